/**
 * metrics.jsonl: one JSON object per line, appended as training goes.
 *
 *   { "type": "train", "step": 200, "epoch": 0.8, "time": "...", "<loss>": mean over the last interval, ... }
 *   { "type": "epoch", "step": 250, "epoch": 1,   "time": "...", "<loss>": mean over the epoch, "<val metric>": ... }
 *   { "type": "eval",  "step": 500, "epoch": 2,   "time": "...", "<metric>": ... }   (every-N-steps hook metrics)
 *   { "type": "diverged", "step": 731, ..., "<loss>": NaN values as strings }
 *
 * `step` counts completed steps and `epoch` completed epochs (fractional inside an epoch), so every record can be
 * plotted on one axis. Metric names are flat keys; `type`, `step`, `epoch` and `time` are reserved.
 */
import * as fs from 'fs';
import { writeFileAtomic } from './atomic-write';

export type MetricsType = 'train' | 'epoch' | 'eval' | 'diverged';

export interface MetricsRecord {
  type: MetricsType;
  step: number;
  epoch: number;
  time: string;
  [metric: string]: number | string;
}

export const RESERVED_METRIC_NAMES: ReadonlySet<string> = new Set(['type', 'step', 'epoch', 'time']);

export function checkMetricNames(values: Record<string, unknown>, what: string): void {
  for (const k of Object.keys(values)) {
    if (RESERVED_METRIC_NAMES.has(k)) throw new Error(`${what}: the name ${JSON.stringify(k)} is reserved in metrics.jsonl; rename it`);
  }
}

export function makeRecord(type: MetricsType, step: number, epoch: number, values: Record<string, number>): MetricsRecord {
  const rec: MetricsRecord = { type, step, epoch: Math.round(epoch * 1e6) / 1e6, time: new Date().toISOString() };
  // JSON has no NaN/Infinity: keep them readable as strings rather than silently turning them into null.
  for (const [k, v] of Object.entries(values)) rec[k] = Number.isFinite(v) ? v : String(v);
  return rec;
}

export function appendMetrics(file: string, rec: MetricsRecord): void {
  fs.appendFileSync(file, JSON.stringify(rec) + '\n');
}

/** Records of a metrics file; a torn last line (the process died mid-append) is skipped, any other bad line is an error. */
export function readMetrics(file: string): MetricsRecord[] {
  if (!fs.existsSync(file)) return [];
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const out: MetricsRecord[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line) as MetricsRecord);
    } catch {
      const isLast = lines.slice(i + 1).every((l) => l.trim() === '');
      if (!isLast) throw new Error(`${file}: line ${i + 1} is not valid JSON`);
    }
  });
  return out;
}

/** Keep only records up to `step` (the checkpoint a run resumes from), so the resumed run does not log steps twice. */
export function truncateMetrics(file: string, step: number): void {
  if (!fs.existsSync(file)) return;
  const kept = readMetrics(file).filter((r) => r.step <= step);
  writeFileAtomic(file, kept.map((r) => JSON.stringify(r) + '\n').join(''));
}
