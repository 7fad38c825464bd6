/**
 * The change-of-variables formula, for any invertible map whose inverse and log|det| are known:
 *
 *   x = f(z), z ~ p_Z   =>   log p_X(x) = log p_Z(f^-1(x)) + log|det J_{f^-1}(x)|
 *
 * MAF uses it with its MADE stack; the tests use it with a closed-form 3-D flow, which is why it takes the inverse
 * as a function rather than a model.
 */
import * as tf from '@tensorflow/tfjs-core';

/** An inverse map x -> z with its per-example log|det dz/dx|: z is [N, D], logDet is [N]. */
export type InverseMap = (x: tf.Tensor2D) => { z: tf.Tensor2D; logDet: tf.Tensor1D };

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** log N(z; 0, I) per example: [N, D] -> [N]. */
export function standardNormalLogProb(z: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const d = z.shape[1];
    return tf.sub(tf.mul(tf.sum(tf.square(z), 1), -0.5), d * HALF_LOG_2PI) as tf.Tensor1D;
  });
}

/** log p_X(x) per example ([N]) for x = f(z), z ~ base (standard normal unless given). */
export function changeOfVariablesLogProb(
  x: tf.Tensor2D,
  inverse: InverseMap,
  baseLogProb: (z: tf.Tensor2D) => tf.Tensor1D = standardNormalLogProb,
): tf.Tensor1D {
  return tf.tidy(() => {
    if (x.rank !== 2) throw new Error(`changeOfVariablesLogProb: x must be [N, D], got shape [${x.shape}]`);
    const { z, logDet } = inverse(x);
    if (z.shape[0] !== x.shape[0] || logDet.rank !== 1 || logDet.shape[0] !== x.shape[0]) {
      throw new Error(`changeOfVariablesLogProb: inverse must return z [N, D] and logDet [N] for N = ${x.shape[0]}, got [${z.shape}] and [${logDet.shape}]`);
    }
    return tf.add(baseLogProb(z), logDet) as tf.Tensor1D;
  });
}
