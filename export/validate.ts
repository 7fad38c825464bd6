/**
 * Parity of every exported graph with the tfjs model it came from: the same inputs through tfjs (the current
 * backend) and through onnxruntime-node, max |difference| per output against a fixed tolerance. Inputs come from
 * the project's seeded Random, so a report can be reproduced. The bounds and the machinery are here; each family's
 * own checks use them (families/<family>/*-parity.ts, classifier-job.ts).
 */
import { concatFloat32 } from './weights';
import * as tf from '@tensorflow/tfjs-core';
import { divergedRows } from '../runtime/core/flow';
import { ParityCheck } from './card';
import { Feed, maxAbsDiff, ortSession, runSession } from './ort';

export const TOLERANCE = {
  /** Generator pixels and discriminator logits (the issue's bound). */
  image: 1e-4,
  logit: 1e-4,
  /** log_prob in nats (the issue's bound). */
  logProb: 1e-3,
  /** Latent z of the density graph and samples x of the Loop graph (coordinates of order 1). */
  coordinates: 1e-3,
  /** Plus this much relative, for sampled coordinates only: a sample is D sequential steps per flow, and a trained
   *  flow's sampler sometimes lands far outside the data (a coordinate of 444 where the data stay within +-14, in
   *  the 784-D flow), where 1e-3 absolute would be 2e-6 relative, ~17 float32 ulps after thousands of dependent
   *  operations. 1e-5 is ~84 ulps; for coordinates below 100 the absolute bound dominates. */
  sampleRelative: 1e-5,
} as const;

export const DEFAULT_PARITY_N = 1000;
export const TF_BATCH = 250;

/** Runs `f` on row batches of `rows` ([n * width]) under tf.tidy and concatenates the flat results. */
export function tfBatched(n: number, f: (start: number, count: number) => tf.Tensor): Float32Array {
  const parts: Float32Array[] = [];
  for (let s = 0; s < n; s += TF_BATCH) {
    const m = Math.min(TF_BATCH, n - s);
    const t = tf.tidy(() => f(s, m));
    parts.push(t.dataSync() as Float32Array);
    t.dispose();
  }
  return concatFloat32(parts);
}

export async function ortRun(bytes: Uint8Array, feeds: Record<string, Feed>): Promise<Record<string, Float32Array>> {
  const s = await ortSession(bytes, 2);
  try {
    const out = await runSession(s, feeds);
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data]));
  } finally {
    await s.release();
  }
}

export function check(file: string, output: string, inputs: string, n: number, got: Float32Array, want: ArrayLike<number>, tolerance: number, unit?: string, relTolerance?: number): ParityCheck {
  const maxAbsError = maxAbsDiff(got, want);
  const c: ParityCheck = { file, output, inputs, n, maxAbsError, tolerance, ...(unit ? { unit } : {}) };
  if (relTolerance !== undefined) {
    c.relTolerance = relTolerance;
    let ok = true;
    for (let i = 0; i < got.length && ok; i++) ok = Math.abs(got[i] - want[i]) <= tolerance + relTolerance * Math.abs(want[i]);
    c.withinTolerance = ok;
  }
  if (!withinTolerance(c)) {
    // Where it failed, for the error message: the flat index, and both values there.
    let at = 0;
    for (let i = 0; i < got.length; i++) if (!(Math.abs(got[i] - want[i]) <= Math.abs(got[at] - want[at]))) at = i;
    c.worst = { index: at, got: got[at], want: want[at] };
  }
  return c;
}

export function int64(labels: Int32Array): BigInt64Array {
  return BigInt64Array.from(labels, (v) => BigInt(v));
}

export interface RealImages {
  /** Pixels in the model's range ([-1, 1]), NHWC = NCHW for one channel, [n * H * W * C] of the model's image shape. */
  pixels: Float32Array;
  labels: Int32Array;
  n: number;
  what: string;
}

/**
 * How many samples the sampling parity draws: each costs D sequential steps per flow in tfjs, so fewer when D
 * is large (n for D <= 16, 20 for D = 784; never fewer than 10).
 */
export function sampleParityCount(d: number, n = DEFAULT_PARITY_N): number {
  return Math.min(n, Math.max(10, Math.floor((n * 16) / d)));
}

/** Indices of the rows of x [n, d] that did not diverge: all values finite and within +-bound (runtime/core/flow.ts). */
export function keptRows(x: Float32Array, n: number, d: number, bound = Infinity): number[] {
  const bad = new Set(divergedRows(x, n, d, bound));
  return Array.from({ length: n }, (_, r) => r).filter((r) => !bad.has(r));
}

export function takeRows(x: Float32Array, rows: number[], d: number): Float32Array {
  const out = new Float32Array(rows.length * d);
  rows.forEach((r, i) => out.set(x.subarray(r * d, (r + 1) * d), i * d));
  return out;
}

/** |error| <= tolerance everywhere, or, for checks with a relative part, |error| <= tolerance + rel |tfjs value|. */
export function withinTolerance(c: ParityCheck): boolean {
  return c.withinTolerance ?? c.maxAbsError <= c.tolerance;
}

export function failedChecks(checks: ParityCheck[]): ParityCheck[] {
  return checks.filter((c) => !withinTolerance(c));
}
