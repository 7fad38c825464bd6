/**
 * The RealNVP training objective (maximum likelihood: -mean log p(x) of a batch), its optimizer (Adam with
 * PyTorch's defaults and coupled weight decay, as the MAF runs use) and one training step.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Params, trainable } from '../../training/nets/layers';
import { adam, FusedAdamOptimizer } from '../../training/optim/fused-adam';
import { RealNvpDefinition, realnvpLogProb, realnvpLogProbRows } from './definition';

/** -mean log p(x) over the batch (nats per example). */
export function realnvpNll(def: RealNvpDefinition, params: Params, x: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(realnvpLogProb(def, params, x))) as tf.Scalar);
}

export function realnvpOptimizer(lr: number, weightDecay: number): FusedAdamOptimizer {
  if (!(lr > 0)) throw new Error(`learning rate must be > 0, got ${lr}`);
  if (!(weightDecay >= 0)) throw new Error(`weight decay must be >= 0, got ${weightDecay}`);
  return adam(lr, 0.9, 0.999, 1e-8, weightDecay);
}

/** One Adam step on the NLL; returns the batch NLL as a scalar tensor (runs inside the harness's tidy). */
export function realnvpTrainStep(def: RealNvpDefinition, params: Params, opt: tf.Optimizer, x: tf.Tensor2D): tf.Scalar {
  const loss = opt.minimize(() => realnvpNll(def, params, x), true, trainable(params));
  if (!loss) throw new Error('optimizer returned no loss');
  return loss;
}

/** Mean log p over rows ([N*D] row-major), float64 accumulation. */
export async function realnvpMeanLogProb(def: RealNvpDefinition, params: Params, rows: Float32Array, batch = 2000): Promise<number> {
  const lp = await realnvpLogProbRows(def, params, rows, batch);
  let s = 0;
  for (const v of lp) s += v;
  return s / lp.length;
}
