/**
 * The flow training objective: maximum likelihood, i.e. the mean negative log-likelihood of a batch. The runs' L2
 * weight decay (PyTorch Adam's `weight_decay`, the gradient of 0.5 * wd * ||theta||^2; masked-out kernel entries
 * decay too, as in a PyTorch MaskedLinear) is applied inside the optimizer (optim/fused-adam.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Params } from '../../training/nets/layers';
import { MafDefinition, mafLogProb } from './maf';

/** -mean log p(x) over the batch (nats per example). */
export function mafNll(def: MafDefinition, params: Params, x: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(mafLogProb(def, params, x))) as tf.Scalar);
}
