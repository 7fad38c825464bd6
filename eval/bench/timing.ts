/**
 * Timing of repeated calls: warm-up calls first (onnxruntime plans its memory, XNNPACK packs weights, V8
 * compiles), then the median, min and max of the measured calls; a time budget stops slow rows early (after at
 * least `minReps` calls). The same rule for onnxruntime (async) and tfjs (sync) calls.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ort from 'onnxruntime-node';
import { median } from '../../training/bench/timing';

export interface Timing {
  medianMs: number;
  minMs: number;
  maxMs: number;
  reps: number;
}

export interface TimingOptions {
  warmup: number;
  reps: number;
  minReps: number;
  /** Stop measuring once this much time has gone into the row (warm-up included). */
  budgetMs: number;
}

export async function timeCalls(call: () => unknown | Promise<unknown>, o: TimingOptions): Promise<Timing> {
  const start = performance.now();
  for (let i = 0; i < o.warmup; i++) await call();
  const times: number[] = [];
  while (times.length < o.reps && (times.length < o.minReps || performance.now() - start < o.budgetMs)) {
    const t0 = performance.now();
    await call();
    times.push(performance.now() - t0);
  }
  return { medianMs: median(times), minMs: Math.min(...times), maxMs: Math.max(...times), reps: times.length };
}

export function ortSessionOptions(threads: number, extra: ort.InferenceSession.SessionOptions = {}): ort.InferenceSession.SessionOptions {
  return { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential', ...extra };
}

export interface OpTime {
  op: string;
  ms: number;
  share: number;
}

/**
 * onnxruntime's own profiler on `calls` runs: time per call by operator type (the kernels ORT actually ran after
 * its graph optimisations: e.g. Gemm+Relu as FusedGemm, and the ReorderInput/ReorderOutput of its blocked NCHWc
 * convolution layout), largest first. The profile file is read and deleted.
 */
export async function profileOrt(bytes: Uint8Array, feeds: Record<string, ort.Tensor>, threads: number, calls: number, prefix: string): Promise<OpTime[]> {
  const s = await ort.InferenceSession.create(bytes, ortSessionOptions(threads, { enableProfiling: true, profileFilePrefix: prefix }));
  const started = Date.now();
  try {
    for (let i = 0; i < calls; i++) await s.run(feeds);
    s.endProfiling();
  } finally {
    await s.release();
  }
  // onnxruntime writes `${prefix}_<date>.json` and does not tell Node the name: take the newest such file.
  const dir = path.dirname(prefix);
  const base = path.basename(prefix) + '_';
  const file = fs
    .readdirSync(dir)
    .filter((f) => f.startsWith(base) && f.endsWith('.json'))
    .map((f) => path.join(dir, f))
    .filter((f) => fs.statSync(f).mtimeMs >= started - 1000)
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
  if (!file) return [];
  const events = JSON.parse(fs.readFileSync(file, 'utf8')) as { cat?: string; dur?: number; args?: { op_name?: string } }[];
  fs.rmSync(file, { force: true });
  const byOp = new Map<string, number>();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.args?.op_name || typeof e.dur !== 'number') continue;
    byOp.set(e.args.op_name, (byOp.get(e.args.op_name) ?? 0) + e.dur / 1000);
  }
  const total = [...byOp.values()].reduce((a, b) => a + b, 0);
  return [...byOp.entries()].map(([op, ms]) => ({ op, ms: ms / calls, share: total ? ms / total : 0 })).sort((a, b) => b.ms - a.ms);
}
