/**
 * Parity of every exported graph with the tfjs model it came from: the same inputs through tfjs (the current
 * backend) and through onnxruntime-node, max |difference| per output against a fixed tolerance. Inputs come from
 * the project's seeded Random, so a report can be reproduced.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../runtime/core/random';
import { GanDefinition, discriminate, generate } from '../training/nets/gan-nets';
import { Params } from '../training/nets/layers';
import { MafDefinition, mafInverse } from '../training/nets/maf';
import { ParityCheck } from './card';
import { mafLogProbReference, mafSampleReference } from './maf-reference';
import { Feed, maxAbsDiff, ortSession, runSession } from './ort';

export const TOLERANCE = {
  /** Generator pixels and discriminator logits (the bound). */
  image: 1e-4,
  logit: 1e-4,
  /** log_prob in nats (the bound). */
  logProb: 1e-3,
  /** Latent z of the density graph and samples x of the Loop graph (coordinates of order 1). */
  coordinates: 1e-3,
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
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
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

function check(file: string, output: string, inputs: string, n: number, got: Float32Array, want: ArrayLike<number>, tolerance: number, unit?: string): ParityCheck {
  return { file, output, inputs, n, maxAbsError: maxAbsDiff(got, want), tolerance, ...(unit ? { unit } : {}) };
}

function int64(labels: Int32Array): BigInt64Array {
  return BigInt64Array.from(labels, (v) => BigInt(v));
}

export interface RealImages {
  /** Pixels in the model's range ([-1, 1]), NHWC = NCHW for one channel, [n * 784]. */
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
 * How many samples the sampling parity draws: each costs D sequential MADE passes per flow in tfjs, so fewer when D
 * is large (n for D <= 16, 20 for D = 784; never fewer than 10).
 */
export function sampleParityCount(d: number, n = DEFAULT_PARITY_N): number {
  return Math.min(n, Math.max(10, Math.floor((n * 16) / d)));
}

export async function mafParity(
  def: MafDefinition,
  params: Params,
  files: { logProb: string; sample: string },
  bytes: { logProb: Uint8Array; sample: Uint8Array },
  opts: { n?: number; seed?: number; real?: { rows: Float32Array; n: number; what: string } } = {},
): Promise<ParityCheck[]> {
  const n = opts.n ?? DEFAULT_PARITY_N;
  const d = def.inputSize;
  const rng = new Random(opts.seed ?? 1234, 0x70617269);
  const checks: ParityCheck[] = [];

  const nS = sampleParityCount(d, n);
  const z = rng.fillNormal(new Float32Array(nS * d));
  const xWant = mafSampleReference(def, params, z, nS);
  const xGot = (await ortRun(bytes.sample, { z: { data: z, dims: [nS, d] } })).x;
  checks.push(check(files.sample, 'x', `${nS} z ~ N(0, I)`, nS, xGot, xWant, TOLERANCE.coordinates));

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
  await density(xWant, nS, `${nS} model samples (x = sample(z), z ~ N(0, I))`);
  if (opts.real) await density(opts.real.rows, opts.real.n, opts.real.what);
  return checks;
}

export function failedChecks(checks: ParityCheck[]): ParityCheck[] {
  return checks.filter((c) => !(c.maxAbsError <= c.tolerance));
}
