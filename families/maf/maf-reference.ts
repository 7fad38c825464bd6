/**
 * The tfjs references that export validation compares the ONNX graphs with.
 *
 * Sampling: maf.ts `mafForward` itself, read back to the host. It is memory-bounded at D = 784 (each of the D passes
 * of a MADE runs in its own tf.tidy, and the masked kernels are made once per MADE and freed after its passes).
 *
 * log_prob: maf.ts `mafLogProb`'s computation (per flow one MADE pass, z = (h - mu) * exp(-alpha), permute;
 * log N(z) - sum alpha) with the elementwise work in tfjs float32 and the sums over the D dimensions in float64 on
 * the host. At D = 784 a log density is thousands of nats and float32 sums of 784 terms drift by more than 1e-3 nats
 * between two correct implementations; the exported graph sums in float64 too.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Params } from '../../training/nets/layers';
import { madeParams } from './made';
import { MafDefinition, mafForward, permuteColumns } from './maf';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** Samples [n * D] from the latent noise z [n * D] (row-major). */
export function mafSampleReference(def: MafDefinition, params: Params, z: Float32Array, n: number): Float32Array {
  const d = def.inputSize;
  if (z.length !== n * d) throw new Error(`mafSampleReference: z has ${z.length} values, expected ${n} x ${d}`);
  const x = tf.tidy(() => mafForward(def, params, tf.tensor2d(z, [n, d])).x);
  const out = x.dataSync() as Float32Array;
  x.dispose();
  return out;
}

/** log p(x) per row of x [n * D]: tfjs elementwise, float64 sums (see the header). Batched by `batch` rows. */
export function mafLogProbReference(def: MafDefinition, params: Params, x: Float32Array, n: number, batch = 250): Float64Array {
  const d = def.inputSize;
  if (x.length !== n * d) throw new Error(`mafLogProbReference: x has ${x.length} values, expected ${n} x ${d}`);
  const out = new Float64Array(n);
  for (let s = 0; s < n; s += batch) {
    const m = Math.min(batch, n - s);
    const sumAlpha = new Float64Array(m);
    let h = tf.tensor2d(x.subarray(s * d, (s + m) * d), [m, d]);
    for (const flow of def.flows) {
      const [alpha, next] = tf.tidy(() => {
        const p = madeParams(flow.made, params, h);
        const z = tf.mul(tf.sub(h, p.mu), tf.exp(tf.neg(p.alpha))) as tf.Tensor2D;
        return [p.alpha.dataSync() as Float32Array, permuteColumns(z, flow.permutation)] as const;
      });
      h.dispose();
      h = next;
      for (let i = 0; i < m; i++) for (let j = 0; j < d; j++) sumAlpha[i] += alpha[i * d + j];
    }
    const z = h.dataSync() as Float32Array;
    h.dispose();
    for (let i = 0; i < m; i++) {
      let sq = 0;
      for (let j = 0; j < d; j++) sq += z[i * d + j] * z[i * d + j];
      out[s + i] = -0.5 * sq - d * HALF_LOG_2PI - sumAlpha[i];
    }
  }
  return out;
}
