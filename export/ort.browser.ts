/**
 * ort.ts in the page's bundle (training/browser/bundle.ts swaps it in): the same API on onnxruntime-web, which the
 * page loads through its import map. Parity runs on the wasm provider: the CPU kernels, as onnxruntime-node's.
 */
import * as ort from 'onnxruntime-web';

export { maxAbsDiff } from './max-abs-diff';

export type Feed = { data: Float32Array; dims: number[] } | { data: BigInt64Array; dims: number[] };
export interface Fetched {
  data: Float32Array;
  dims: number[];
}

export async function ortSession(bytes: Uint8Array, _threads = 1): Promise<ort.InferenceSession> {
  void _threads; // onnxruntime-web sets its threads once, for the page (ort.env.wasm.numThreads)
  return ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
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

export async function runOrt(bytes: Uint8Array, feeds: Record<string, Feed>, threads = 1): Promise<Record<string, Fetched>> {
  const s = await ortSession(bytes, threads);
  try {
    return await runSession(s, feeds);
  } finally {
    await s.release();
  }
}
