/**
 * The flow training objective: maximum likelihood, i.e. the mean negative log-likelihood of a batch, plus an L2
 * penalty that reproduces PyTorch Adam's `weight_decay` (it adds wd * theta to every gradient, the gradient of
 * 0.5 * wd * ||theta||^2; masked-out kernel entries decay too, as in a PyTorch MaskedLinear).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Params, trainable } from '../nets/layers';
import { MafDefinition, mafLogProb } from '../nets/maf';

/** 0.5 * wd * sum of squares of every trainable parameter (a scalar; 0 when wd = 0). */
export function l2Penalty(params: Params, weightDecay: number): tf.Scalar {
  if (!(weightDecay >= 0)) throw new Error(`weight decay must be >= 0, got ${weightDecay}`);
  return tf.tidy(() => {
    if (weightDecay === 0) return tf.scalar(0);
    const terms = trainable(params).map((v) => tf.sum(tf.square(v)));
    return tf.mul(tf.addN(terms), 0.5 * weightDecay) as tf.Scalar;
  });
}

/** -mean log p(x) over the batch (nats per example). */
export function mafNll(def: MafDefinition, params: Params, x: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(mafLogProb(def, params, x))) as tf.Scalar);
}

/** What the optimizer minimizes: NLL + L2 penalty. Returns both so the NLL can be logged without the penalty. */
export function mafTrainingLoss(def: MafDefinition, params: Params, x: tf.Tensor2D, weightDecay: number): { loss: tf.Scalar; nll: tf.Scalar } {
  const nll = mafNll(def, params, x);
  const loss = weightDecay > 0 ? (tf.add(nll, l2Penalty(params, weightDecay)) as tf.Scalar) : nll;
  return { loss, nll };
}
