/**
 * Parity of every exported graph with the tfjs model it came from: the same inputs through tfjs (the current
 * backend) and through onnxruntime-node, max |difference| per output against a fixed tolerance. Inputs come from
 * the project's seeded Random, so a report can be reproduced.
 */
import { concatFloat32 } from './weights';
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../runtime/core/random';
import { divergedRows } from '../runtime/core/flow';
import { GanDefinition, discriminate, generate } from '../families/gan/gan-nets';
import { Params } from '../training/nets/layers';
import { MafDefinition, mafInverse } from '../families/maf/maf';
import { ParityCheck } from './card';
import { mafLogProbReference, mafSampleReference } from '../families/maf/maf-reference';
import { Feed, maxAbsDiff, ortSession, runSession } from './ort';

export const TOLERANCE = {
  /** Generator pixels and discriminator logits (the bound). */
  image: 1e-4,
  logit: 1e-4,
  /** log_prob in nats (the bound). */
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
const TF_BATCH = 250;

/** Runs `f` on row batches of `rows` ([n * width]) under tf.tidy and concatenates the flat results. */
function tfBatched(n: number, f: (start: number, count: number) => tf.Tensor): Float32Array {
  const parts: Float32Array[] = [];
  for (let s = 0; s < n; s += TF_BATCH) {
    const m = Math.min(TF_BATCH, n - s);
    const t = tf.tidy(() => f(s, m));
    parts.push(t.dataSync() as Float32Array);
    t.dispose();
  }
  return concatFloat32(parts);
}

async function ortRun(bytes: Uint8Array, feeds: Record<string, Feed>): Promise<Record<string, Float32Array>> {
  const s = await ortSession(bytes, 2);
  try {
    const out = await runSession(s, feeds);
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data]));
  } finally {
    await s.release();
  }
}

function check(file: string, output: string, inputs: string, n: number, got: Float32Array, want: ArrayLike<number>, tolerance: number, unit?: string, relTolerance?: number): ParityCheck {
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

function int64(labels: Int32Array): BigInt64Array {
  return BigInt64Array.from(labels, (v) => BigInt(v));
}

export interface RealImages {
  /** Pixels in the model's range ([-1, 1]), NHWC = NCHW for one channel, [n * H * W * C] of the model's image shape. */
  pixels: Float32Array;
  labels: Int32Array;
  n: number;
  what: string;
}

export async function ganParity(
  def: GanDefinition,
  params: Params,
  files: { generator: string; discriminator: string },
  bytes: { generator: Uint8Array; discriminator: Uint8Array },
  opts: { n?: number; seed?: number; real?: RealImages } = {},
): Promise<ParityCheck[]> {
  const n = opts.n ?? DEFAULT_PARITY_N;
  const rng = new Random(opts.seed ?? 1234, 0x70617269);
  const { dimZ, numClasses: k } = def.config;
  const z = rng.fillNormal(new Float32Array(n * dimZ));
  const labels = k > 0 ? Int32Array.from({ length: n }, (_, i) => i % k) : null;
  const [h, w, c] = def.imageShape;
  const px = h * w * c;
  const labelFeed = (l: Int32Array | null, m: number): Record<string, Feed> => (l ? { label: { data: int64(l), dims: [m] } } : {});
  const labelsOf = (l: Int32Array | null, s: number, m: number) => (l ? tf.tensor1d(l.subarray(s, s + m), 'int32') : null);

  const images = tfBatched(n, (s, m) => generate(def, params, tf.tensor2d(z.subarray(s * dimZ, (s + m) * dimZ), [m, dimZ]), labelsOf(labels, s, m), { training: false }));
  const gOut = await ortRun(bytes.generator, { z: { data: z, dims: [n, dimZ] }, ...labelFeed(labels, n) });
  const zText = `${n} z ~ N(0, I)${k > 0 ? ', labels i mod ' + k : ''}`;
  const checks = [check(files.generator, 'image', zText, n, gOut.image, images, TOLERANCE.image)];

  const logitsOf = async (x: Float32Array, l: Int32Array | null, m: number, what: string) => {
    const want = tfBatched(m, (s, mm) => discriminate(def, params, tf.tensor4d(x.subarray(s * px, (s + mm) * px), [mm, h, w, c]), labelsOf(l, s, mm)));
    const got = await ortRun(bytes.discriminator, { x: { data: x, dims: [m, c, h, w] }, ...labelFeed(l, m) });
    checks.push(check(files.discriminator, 'logit', what, m, got.logit, want, TOLERANCE.logit));
  };
  // One channel: the NHWC tfjs images are already the NCHW bytes the graph takes.
  if (c !== 1) throw new Error(`parity: images with ${c} channels need an NHWC -> NCHW conversion`);
  await logitsOf(images, labels, n, `${n} generated images (tfjs generator outputs)`);
  if (opts.real) await logitsOf(opts.real.pixels, k > 0 ? opts.real.labels : null, opts.real.n, opts.real.what);
  return checks;
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

function takeRows(x: Float32Array, rows: number[], d: number): Float32Array {
  const out = new Float32Array(rows.length * d);
  rows.forEach((r, i) => out.set(x.subarray(r * d, (r + 1) * d), i * d));
  return out;
}

export async function mafParity(
  def: MafDefinition,
  params: Params,
  files: { logProb: string; sample: string },
  bytes: { logProb: Uint8Array; sample: Uint8Array },
  opts: { n?: number; seed?: number; real?: { rows: Float32Array; n: number; what: string }; sampleBound?: number } = {},
): Promise<ParityCheck[]> {
  const n = opts.n ?? DEFAULT_PARITY_N;
  const d = def.inputSize;
  const rng = new Random(opts.seed ?? 1234, 0x70617269);
  const checks: ParityCheck[] = [];

  const nS = sampleParityCount(d, n);
  const z = rng.fillNormal(new Float32Array(nS * d));
  const xAllWant = mafSampleReference(def, params, z, nS);
  const xAllGot = (await ortRun(bytes.sample, { z: { data: z, dims: [nS, d] } })).x;
  // A trained flow's sampler can leave the data for some z (x = mu + z exp(alpha) runs off: 3 of 20 rows of the 784-D
  // flow overflow float32; with bounded log-scales such rows stay finite but reach 1e4-1e9, where float32 inverts
  // neither way): the runtimes must diverge on the same rows (runtime/core/flow.ts divergedRows), and the
  // coordinates are compared on the other rows.
  const bound = opts.sampleBound ?? Infinity;
  const okWant = keptRows(xAllWant, nS, d, bound);
  const okGot = keptRows(xAllGot, nS, d, bound);
  const rule = Number.isFinite(bound) ? `NaN/infinity or |x| > ${+bound.toPrecision(4)}` : 'NaN/infinity';
  if (okWant.join() !== okGot.join() || okWant.length === 0) {
    checks.push({ file: files.sample, output: 'x', inputs: `${nS} z ~ N(0, I): rows whose samples stay in range (not ${rule}) differ (tfjs ${okWant.length}: [${okWant}], onnx ${okGot.length}: [${okGot}])`, n: nS, maxAbsError: Infinity, tolerance: TOLERANCE.coordinates });
    return checks;
  }
  const xWant = takeRows(xAllWant, okWant, d);
  const diverged = nS - okWant.length;
  const samples = diverged === 0 ? `${nS} z ~ N(0, I)` : `${okWant.length} of ${nS} z ~ N(0, I) (the other ${diverged} diverge in both runtimes: ${rule})`;
  checks.push(check(files.sample, 'x', samples, okWant.length, takeRows(xAllGot, okGot, d), xWant, TOLERANCE.coordinates, undefined, TOLERANCE.sampleRelative));

  const density = async (x: Float32Array, m: number, what: string) => {
    const lpWant = mafLogProbReference(def, params, x, m, TF_BATCH);
    const zWant = tfBatched(m, (s, mm) => mafInverse(def, params, tf.tensor2d(x.subarray(s * d, (s + mm) * d), [mm, d])).z);
    const got = await ortRun(bytes.logProb, { x: { data: x, dims: [m, d] } });
    checks.push(check(files.logProb, 'log_prob', what, m, got.log_prob, lpWant, TOLERANCE.logProb, 'nats'));
    checks.push(check(files.logProb, 'z', what, m, got.z, zWant, TOLERANCE.coordinates));
  };
  // Random inputs of the density: the model's own samples. Not x ~ N(0, I): a trained flow's inverse explodes
  // off its data (moons: log_prob down to -1e29 and inf at N(0, I) points), where an absolute tolerance means
  // nothing and float32 rounding decides the digits.
  await density(xWant, okWant.length, `${okWant.length} model samples (x = sample(z), z ~ N(0, I))`);
  if (opts.real) await density(opts.real.rows, opts.real.n, opts.real.what);
  return checks;
}

/** |error| <= tolerance everywhere, or, for checks with a relative part, |error| <= tolerance + rel |tfjs value|. */
export function withinTolerance(c: ParityCheck): boolean {
  return c.withinTolerance ?? c.maxAbsError <= c.tolerance;
}

export function failedChecks(checks: ParityCheck[]): ParityCheck[] {
  return checks.filter((c) => !withinTolerance(c));
}
