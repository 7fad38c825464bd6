/** Parity of an exported MAF against its tfjs definition: sampling on seeded noise (rows that diverge must diverge in both), density and z on the model's samples and on real rows. */
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../../runtime/core/random';
import type { ParityCheck } from '../../export/card';
import { check, DEFAULT_PARITY_N, keptRows, ortRun, sampleParityCount, takeRows, tfBatched, TF_BATCH, TOLERANCE } from '../../export/validate';
import type { Params } from '../../training/nets/layers';
import { MafDefinition, mafInverse } from './maf';
import { mafLogProbReference, mafSampleReference } from './maf-reference';

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

