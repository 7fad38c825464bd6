/**
 * Learning-rate schedules as pure functions of the step, so a resumed run gets exactly the rates it would have had
 * without the interruption (nothing about the schedule needs checkpointing beyond the run config).
 */

export type LrScheduleKind = 'constant' | 'cosine';
export const LR_SCHEDULES: readonly LrScheduleKind[] = ['constant', 'cosine'];

export interface LrSchedule {
  kind: LrScheduleKind;
  base: number;
  /** cosine: steps over which the rate falls from `base` to 0 (it stays 0 after). */
  decaySteps?: number;
}

export function parseLrSchedule(s: string): LrScheduleKind {
  if (!(LR_SCHEDULES as readonly string[]).includes(s)) throw new Error(`learning-rate schedule: expected one of ${LR_SCHEDULES.join(', ')}, got ${JSON.stringify(s)}`);
  return s as LrScheduleKind;
}

/**
 * The rate of the update made at 0-based `step`. cosine: base * (1 + cos(pi * step / decaySteps)) / 2, so the first
 * update uses `base` and the last of `decaySteps` updates a rate near 0; decaying to 0 at the end of a fixed budget
 * is what makes its last epochs count (the constant rate's loss stalls at the noise level its step size allows).
 */
export function learningRateAt(s: LrSchedule, step: number): number {
  if (!(s.base > 0)) throw new Error(`learning rate must be > 0, got ${s.base}`);
  if (s.kind === 'constant') return s.base;
  const n = s.decaySteps;
  if (n === undefined || !Number.isInteger(n) || n < 1) throw new Error(`cosine learning-rate schedule: decaySteps must be a positive integer, got ${n}`);
  const t = Math.min(Math.max(step, 0), n) / n;
  return (s.base * (1 + Math.cos(Math.PI * t))) / 2;
}
