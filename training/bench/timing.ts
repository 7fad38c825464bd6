/**
 * Timing of workload steps: warm-up steps first (XNNPACK builds and caches its operators, V8 compiles), then the
 * median, min and max of the measured steps. A time budget stops slow backends early (after at least 3 steps).
 */
import type { Workload } from './workloads';

export interface StepTimes {
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** Measured steps (after the warm-up). */
  steps: number;
  rowsPerS: number;
}

export interface TimingOptions {
  warmup: number;
  reps: number;
  /** Stop measuring once this much time has been spent measuring (the warm-up counts too). */
  budgetMs: number;
}

export function median(xs: number[]): number {
  if (xs.length === 0) throw new Error('median of no values');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function timeWorkload(w: Workload, opts: TimingOptions): StepTimes {
  const start = performance.now();
  const sync = (): void => {
    if (w.step() instanceof Promise) throw new Error(`timeWorkload: ${w.title} reads asynchronously on this backend; use timeWorkloadAsync`);
  };
  for (let i = 0; i < opts.warmup; i++) sync();
  const times: number[] = [];
  while (times.length < opts.reps && (times.length < 3 || performance.now() - start < opts.budgetMs)) {
    const t0 = performance.now();
    sync();
    times.push(performance.now() - t0);
  }
  const med = median(times);
  return { medianMs: med, minMs: Math.min(...times), maxMs: Math.max(...times), steps: times.length, rowsPerS: (w.rows * 1000) / med };
}

/** timeWorkload for steps that may be asynchronous (each timed until its loss has been read back). */
export async function timeWorkloadAsync(w: Workload, opts: TimingOptions): Promise<StepTimes> {
  const start = performance.now();
  for (let i = 0; i < opts.warmup; i++) await w.step();
  const times: number[] = [];
  while (times.length < opts.reps && (times.length < 3 || performance.now() - start < opts.budgetMs)) {
    const t0 = performance.now();
    await w.step();
    times.push(performance.now() - t0);
  }
  const med = median(times);
  return { medianMs: med, minMs: Math.min(...times), maxMs: Math.max(...times), steps: times.length, rowsPerS: (w.rows * 1000) / med };
}
