/**
 * The tfjs reference the exported graphs are held to (export/validate.ts's tolerances), and the parity checks.
 * Sampling: definition.ts `realnvpForward` itself. log_prob: `realnvpInverse`'s elementwise work in tfjs float32,
 * with the sums over D (sum z^2, sum s) in float64 on the host, as the graph sums them (see maf-reference.ts: at
 * D = 784 float32 sums drift by more than the 1e-3 nats the export promises).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../../runtime/core/random';
import { Params } from '../../training/nets/layers';
import { ParityCheck } from '../../export/card';
import { maxAbsDiff, ortSession, runSession } from '../../export/ort';
import { DEFAULT_PARITY_N, keptRows, TOLERANCE } from '../../export/validate';
import { RealNvpDefinition, realnvpForward, realnvpInverse } from './definition';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
const BATCH = 250;

/** Samples [n * D] from latents z [n * D]. */
export function realnvpSampleReference(def: RealNvpDefinition, params: Params, z: Float32Array, n: number): Float32Array {
  const d = def.inputSize;
  if (z.length !== n * d) throw new Error(`realnvpSampleReference: z has ${z.length} values, expected ${n} x ${d}`);
  const out = new Float32Array(n * d);
  for (let s = 0; s < n; s += BATCH) {
    const m = Math.min(BATCH, n - s);
    const x = tf.tidy(() => realnvpForward(def, params, tf.tensor2d(z.subarray(s * d, (s + m) * d), [m, d])).x);
    out.set(x.dataSync() as Float32Array, s * d);
    x.dispose();
  }
  return out;
}

/** log p(x) [n] (float64 sums) and z [n * D] per row of x [n * D]. */
export function realnvpDensityReference(def: RealNvpDefinition, params: Params, x: Float32Array, n: number): { logProb: Float64Array; z: Float32Array } {
  const d = def.inputSize;
  if (x.length !== n * d) throw new Error(`realnvpDensityReference: x has ${x.length} values, expected ${n} x ${d}`);
  const logProb = new Float64Array(n);
  const zAll = new Float32Array(n * d);
  for (let s0 = 0; s0 < n; s0 += BATCH) {
    const m = Math.min(BATCH, n - s0);
    const { z, ss } = tf.tidy(() => {
      const keep: tf.Tensor2D[] = [];
      const r = realnvpInverse(def, params, tf.tensor2d(x.subarray(s0 * d, (s0 + m) * d), [m, d]), keep);
      return { z: r.z.dataSync() as Float32Array, ss: keep.map((t) => ({ v: t.dataSync() as Float32Array, w: t.shape[1] })) };
    });
    zAll.set(z, s0 * d);
    for (let i = 0; i < m; i++) {
      let sq = 0;
      for (let j = 0; j < d; j++) sq += z[i * d + j] * z[i * d + j];
      let sumS = 0;
      for (const { v, w } of ss) for (let j = 0; j < w; j++) sumS += v[i * w + j];
      logProb[s0 + i] = -0.5 * sq - d * HALF_LOG_2PI + sumS;
    }
  }
  return { logProb, z: zAll };
}

function check(file: string, output: string, inputs: string, n: number, got: Float32Array, want: ArrayLike<number>, tolerance: number, unit?: string, relTolerance?: number): ParityCheck {
  const c: ParityCheck = { file, output, inputs, n, maxAbsError: maxAbsDiff(got, want), tolerance, ...(unit ? { unit } : {}) };
  let at = 0, ok = true;
  for (let i = 0; i < got.length; i++) {
    const e = Math.abs(got[i] - want[i]);
    if (!(e <= tolerance + (relTolerance ?? 0) * Math.abs(want[i]))) ok = false;
    if (!(e <= Math.abs(got[at] - want[at]))) at = i;
  }
  if (relTolerance !== undefined) {
    c.relTolerance = relTolerance;
    c.withinTolerance = ok;
  }
  if (!ok) c.worst = { index: at, got: got[at], want: want[at] };
  return c;
}

async function ortRun(bytes: Uint8Array, feeds: Record<string, { data: Float32Array; dims: number[] }>): Promise<Record<string, Float32Array>> {
  const s = await ortSession(bytes, 2);
  try {
    const out = await runSession(s, feeds);
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]));
  } finally {
    await s.release();
  }
}

function takeRows(x: Float32Array, rows: number[], d: number): Float32Array {
  const out = new Float32Array(rows.length * d);
  rows.forEach((r, i) => out.set(x.subarray(r * d, (r + 1) * d), i * d));
  return out;
}

/**
 * Sampling on n z ~ N(0, I) (rows that diverge must diverge in both, see validate.ts mafParity), then density on
 * the model's own samples and, when given, on real data: log_prob within TOLERANCE.logProb nats, z and x within
 * TOLERANCE.coordinates (+ TOLERANCE.sampleRelative |x| for samples).
 */
export async function realnvpParity(
  def: RealNvpDefinition,
  params: Params,
  files: { logProb: string; sample: string },
  bytes: { logProb: Uint8Array; sample: Uint8Array },
  opts: { n?: number; seed?: number; real?: { rows: Float32Array; n: number; what: string }; sampleBound?: number } = {},
): Promise<ParityCheck[]> {
  const n = opts.n ?? DEFAULT_PARITY_N;
  const d = def.inputSize;
  const z = new Random(opts.seed ?? 1234, 0x70617269).fillNormal(new Float32Array(n * d));
  const xAllWant = realnvpSampleReference(def, params, z, n);
  const xAllGot = (await ortRun(bytes.sample, { z: { data: z, dims: [n, d] } })).x;
  const bound = opts.sampleBound ?? Infinity;
  const okWant = keptRows(xAllWant, n, d, bound);
  const okGot = keptRows(xAllGot, n, d, bound);
  const checks: ParityCheck[] = [];
  if (okWant.join() !== okGot.join() || okWant.length === 0) {
    checks.push({ file: files.sample, output: 'x', inputs: `${n} z ~ N(0, I): rows whose samples stay within ${bound} differ (tfjs ${okWant.length}, onnx ${okGot.length})`, n, maxAbsError: Infinity, tolerance: TOLERANCE.coordinates });
    return checks;
  }
  const xWant = takeRows(xAllWant, okWant, d);
  const what = okWant.length === n ? `${n} z ~ N(0, I)` : `${okWant.length} of ${n} z ~ N(0, I) (the other ${n - okWant.length} leave +-${bound} in both runtimes)`;
  checks.push(check(files.sample, 'x', what, okWant.length, takeRows(xAllGot, okGot, d), xWant, TOLERANCE.coordinates, undefined, TOLERANCE.sampleRelative));
  const density = async (x: Float32Array, m: number, inputs: string) => {
    const want = realnvpDensityReference(def, params, x, m);
    const got = await ortRun(bytes.logProb, { x: { data: x, dims: [m, d] } });
    checks.push(check(files.logProb, 'log_prob', inputs, m, got.log_prob, want.logProb, TOLERANCE.logProb, 'nats'));
    checks.push(check(files.logProb, 'z', inputs, m, got.z, want.z, TOLERANCE.coordinates));
  };
  await density(xWant, okWant.length, `${okWant.length} model samples (x = sample(z), z ~ N(0, I))`);
  if (opts.real) await density(opts.real.rows, opts.real.n, opts.real.what);
  return checks;
}
