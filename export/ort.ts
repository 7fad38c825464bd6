/**
 * Running an exported model in onnxruntime-node: the reference runtime every export is validated against. The page's
 * bundle replaces this module with ort.browser.ts (the same API on onnxruntime-web), so export validates there too.
 */
import * as ort from 'onnxruntime-node';

export type Feed = { data: Float32Array; dims: number[] } | { data: BigInt64Array; dims: number[] };
export interface Fetched {
  data: Float32Array;
  dims: number[];
}

export async function ortSession(bytes: Uint8Array, threads = 1): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
}

export async function runSession(session: ort.InferenceSession, feeds: Record<string, Feed>): Promise<Record<string, Fetched>> {
  const inputs: Record<string, ort.Tensor> = {};
  for (const [k, f] of Object.entries(feeds)) {
    inputs[k] = f.data instanceof BigInt64Array ? new ort.Tensor('int64', f.data, f.dims) : new ort.Tensor('float32', f.data, f.dims);
  }
  const res = await session.run(inputs);
  const out: Record<string, Fetched> = {};
  for (const [k, t] of Object.entries(res)) {
    if (t.type !== 'float32') throw new Error(`ONNX output ${k} is ${t.type}, expected float32`);
    out[k] = { data: t.data as Float32Array, dims: [...t.dims] };
  }
  return out;
}

/** One-shot run (creates and releases a session). */
export async function runOrt(bytes: Uint8Array, feeds: Record<string, Feed>, threads = 1): Promise<Record<string, Fetched>> {
  const s = await ortSession(bytes, threads);
  try {
    return await runSession(s, feeds);
  } finally {
    await s.release();
  }
}

export { maxAbsDiff } from './max-abs-diff';
