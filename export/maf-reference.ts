/**
 * The tfjs reference for the MAF sampling graph at any D: the algorithm of made.ts `madeForward` / maf.ts
 * `mafForward` (per flow in reverse: undo the permutation, then D passes, pass t setting the dimensions of degree t
 * from one MADE pass, the others staying 0), built from the flows owner's `madeParams` and `permuteColumns`, with
 * each pass in its own tf.tidy. `mafForward` keeps every pass's intermediates (the masked kernels among them, about
 * 10 MB a pass for a 784-1024-1568 MADE) until it returns, which exceeds the wasm heap at D = 784 even for a few
 * samples; test/export/maf-reference.test.ts checks this function against `mafForward` where that fits.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Params } from '../training/nets/layers';
import { madeParams } from '../training/nets/made';
import { MafDefinition, invertPermutation, permuteColumns } from '../training/nets/maf';

export function mafSampleReference(def: MafDefinition, params: Params, z: Float32Array, n: number): Float32Array {
  const d = def.inputSize;
  if (z.length !== n * d) throw new Error(`mafSampleReference: z has ${z.length} values, expected ${n} x ${d}`);
  let h = tf.tensor2d(z, [n, d]);
  for (let k = def.flows.length - 1; k >= 0; k--) {
    const flow = def.flows[k];
    const zk = tf.tidy(() => permuteColumns(h, invertPermutation(flow.permutation)));
    h.dispose();
    let x = tf.zeros([n, d]) as tf.Tensor2D;
    for (let t = 0; t < d; t++) {
      const next = tf.tidy(() => {
        const p = madeParams(flow.made, params, x);
        const candidate = tf.add(p.mu, tf.mul(zk, tf.exp(p.alpha)));
        const pick = tf.tensor2d(flow.made.degrees.map((g) => g === t), [1, d], 'bool');
        return tf.where(tf.broadcastTo(pick, [n, d]), candidate, x) as tf.Tensor2D;
      });
      x.dispose();
      x = next;
    }
    zk.dispose();
    h = x;
  }
  const out = h.dataSync() as Float32Array;
  h.dispose();
  return out;
}
