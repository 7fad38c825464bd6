/**
 * Runs the same computation on the wasm backend (with our kernels) and on the cpu backend (upstream's plain-JS
 * reference implementation) from identical float32 inputs, and measures how far apart the results are.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../../../runtime/core/random';

export type Inputs = Record<string, { shape: number[]; data: Float32Array }>;

export function randomInputs(seed: number, shapes: Record<string, number[]>): Inputs {
  const rng = new Random(seed);
  const out: Inputs = {};
  for (const [name, shape] of Object.entries(shapes)) {
    out[name] = { shape, data: rng.fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1))) };
  }
  return out;
}

/** Evaluates `f` on fresh tensors made from `inputs` on `backend`; returns the outputs' data and shapes. */
export async function evaluate(backend: 'wasm' | 'cpu', inputs: Inputs, f: (t: Record<string, tf.Tensor>) => tf.Tensor | tf.Tensor[]): Promise<{ data: Float32Array; shape: number[] }[]> {
  await tf.setBackend(backend);
  const t: Record<string, tf.Tensor> = {};
  for (const [k, v] of Object.entries(inputs)) t[k] = tf.tensor(v.data, v.shape, 'float32');
  const outs = tf.tidy(() => {
    const r = f(t);
    return Array.isArray(r) ? r : [r];
  });
  const res = outs.map((o) => ({ data: o.dataSync() as Float32Array, shape: o.shape }));
  tf.dispose([...outs, ...Object.values(t)]);
  return res;
}

/** max |a - b| / max |b|: the error relative to the reference's scale (elementwise ratios blow up near zero). */
export function relativeError(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  if (!Number.isFinite(diff)) return Infinity;
  return scale === 0 ? diff : diff / scale;
}

/** Outputs of `f` on wasm and on cpu; shapes must agree; returns each output's relative error. */
export async function compareBackends(inputs: Inputs, f: (t: Record<string, tf.Tensor>) => tf.Tensor | tf.Tensor[]): Promise<number[]> {
  const w = await evaluate('wasm', inputs, f);
  const c = await evaluate('cpu', inputs, f);
  await tf.setBackend('wasm');
  expect(w.map((o) => o.shape)).toEqual(c.map((o) => o.shape));
  for (const o of c) expect(o.data.some((v) => v !== 0)).toBe(true);
  return w.map((o, i) => relativeError(o.data, c[i].data));
}
