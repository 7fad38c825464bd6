/**
 * Moving between the data and the coordinates a flow was trained in (card.ts `DataTransform`), with the
 * log-determinant that moves a density along. Pure functions, float64 accumulation, the same in Node and browser.
 */
import { DataTransform } from './card.js';
import { Random } from './random.js';

/** Data rows [n, d] -> model coordinates x, and per-example log|det dx/dr| (add it to log p(x) to get log p(r)). */
export function toModel(t: DataTransform, rows: Float32Array, d: number): { x: Float32Array; logDet: Float64Array } {
  const n = rows.length / d;
  const logDet = new Float64Array(n);
  if (t.kind === 'identity') return { x: rows, logDet };
  const x = new Float32Array(rows.length);
  if (t.kind === 'standardize') {
    let ld = 0;
    for (let j = 0; j < d; j++) ld -= Math.log(t.std[j]);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) x[i * d + j] = (rows[i * d + j] - t.mean[j]) / t.std[j];
      logDet[i] = ld;
    }
    return { x, logDet };
  }
  // logit of u in [0, 1]: x = log p - log q, p = lambda + s u, q = lambda + s (1 - u), dx/du = s / (p q)
  const s = 1 - 2 * t.lambda;
  const logS = Math.log(s);
  for (let i = 0; i < n; i++) {
    let acc = 0;
    for (let j = i * d; j < (i + 1) * d; j++) {
      const u = rows[j];
      if (!(u >= 0 && u <= 1)) throw new Error(`x[${i}][${j - i * d}] = ${u}: dequantised pixels must be in [0, 1]`);
      const lp = Math.log(t.lambda + s * u);
      const lq = Math.log(t.lambda + s * (1 - u));
      x[j] = lp - lq;
      acc += logS - lp - lq;
    }
    logDet[i] = acc;
  }
  return { x, logDet };
}

/** Model coordinates -> data (samples for display): un-standardised points, or pixels in [0, 1]. */
export function fromModel(t: DataTransform, x: Float32Array, d: number): Float32Array {
  if (t.kind === 'identity') return x;
  const out = new Float32Array(x.length);
  if (t.kind === 'standardize') {
    for (let k = 0; k < x.length; k++) out[k] = x[k] * t.std[k % d] + t.mean[k % d];
    return out;
  }
  const s = 1 - 2 * t.lambda;
  for (let k = 0; k < x.length; k++) out[k] = Math.min(1, Math.max(0, (1 / (1 + Math.exp(-x[k])) - t.lambda) / s));
  return out;
}

/**
 * 8-bit pixels -> dequantised values (p + u) / levels in [0, 1), u ~ U[0, 1) drawn in element order from
 * `new Random(seed)`, so every runtime scores the same values for the same seed. A value that rounds up to the
 * bin's upper edge in float32 is stepped one float32 down so it stays inside its bin.
 */
export function dequantize(pixels: ArrayLike<number>, levels: number, seed: number): Float32Array {
  const rng = new Random(seed);
  const out = new Float32Array(pixels.length);
  for (let k = 0; k < pixels.length; k++) {
    const p = pixels[k];
    if (!Number.isInteger(p) || p < 0 || p >= levels) throw new Error(`pixels[${k}] = ${p}: pixels must be integers in [0, ${levels - 1}]`);
    out[k] = (p + rng.uniform()) / levels;
    if (out[k] >= (p + 1) / levels) out[k] = prevFloat32(out[k]);
  }
  return out;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function prevFloat32(v: number): number {
  f32[0] = v;
  u32[0] -= 1;
  return f32[0];
}

/** Bits per dimension of `levels`-level data from the log-density (nats) of its dequantised [0, 1)^d version. */
export function bitsPerDim(logProbUnit: number, d: number, levels = 256): number {
  return (-logProbUnit + d * Math.log(levels)) / (d * Math.LN2);
}
