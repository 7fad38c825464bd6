/**
 * GAN losses on discriminator logits h (no sigmoid applied anywhere: the log-sigmoids are written as softplus, which
 * tfjs computes stably, so a confident discriminator with |h| ~ 100 gives finite losses and gradients).
 *
 *   -log sigmoid(h)     = softplus(-h)
 *   -log(1 - sigmoid(h)) = softplus(h)
 *
 * The conditional GAN uses the same functions on h(x, y): conditioning lives in the discriminator, not in the loss.
 */
import * as tf from '@tensorflow/tfjs-core';

function checkLogits(h: tf.Tensor, what: string): void {
  if (h.rank !== 1) throw new Error(`${what}: logits must be a rank-1 tensor [N], got [${h.shape.join(', ')}]`);
  if (h.shape[0] === 0) throw new Error(`${what}: logits are empty`);
}

/** Non-saturating discriminator loss: -mean log sigmoid(h_real) - mean log(1 - sigmoid(h_fake)). */
export function nsDiscriminatorLoss(hReal: tf.Tensor1D, hFake: tf.Tensor1D): tf.Scalar {
  checkLogits(hReal, 'nsDiscriminatorLoss(hReal)');
  checkLogits(hFake, 'nsDiscriminatorLoss(hFake)');
  return tf.tidy(() => tf.add(tf.mean(tf.softplus(tf.neg(hReal))), tf.mean(tf.softplus(hFake))) as tf.Scalar);
}

/** Non-saturating generator loss: -mean log sigmoid(h_fake). Its gradient factor 1 - sigmoid(h) stays ~1 when D wins. */
export function nsGeneratorLoss(hFake: tf.Tensor1D): tf.Scalar {
  checkLogits(hFake, 'nsGeneratorLoss');
  return tf.tidy(() => tf.mean(tf.softplus(tf.neg(hFake))) as tf.Scalar);
}

/** The original minimax generator loss, mean log(1 - sigmoid(h_fake)) (minimised by G); kept to show why it saturates. */
export function minimaxGeneratorLoss(hFake: tf.Tensor1D): tf.Scalar {
  checkLogits(hFake, 'minimaxGeneratorLoss');
  return tf.tidy(() => tf.neg(tf.mean(tf.softplus(hFake))) as tf.Scalar);
}

/** WGAN critic loss without the penalty: mean D(fake) - mean D(real). */
export function wganCriticLoss(dReal: tf.Tensor1D, dFake: tf.Tensor1D): tf.Scalar {
  checkLogits(dReal, 'wganCriticLoss(dReal)');
  checkLogits(dFake, 'wganCriticLoss(dFake)');
  return tf.tidy(() => tf.sub(tf.mean(dFake), tf.mean(dReal)) as tf.Scalar);
}

/** WGAN generator loss: -mean D(fake). */
export function wganGeneratorLoss(dFake: tf.Tensor1D): tf.Scalar {
  checkLogits(dFake, 'wganGeneratorLoss');
  return tf.tidy(() => tf.neg(tf.mean(dFake)) as tf.Scalar);
}

export const GP_WEIGHT = 10;

/**
 * Gradient penalty of WGAN-GP (Gulrajani et al. 2017): mean_i (||grad_x D(xhat_i)||_2 - 1)^2 with
 * xhat = alpha * fake + (1 - alpha) * real, one alpha per example.
 *
 * critic: x [N, ...] -> [N]; every example's output depends on its own input only (no batch norm), so the gradient
 * of sum_i D(xhat_i) with respect to xhat holds each example's own input gradient in its row.
 * alpha: [N] in [0, 1] (drawn by the caller from the project's Random, so runs are reproducible).
 *
 * The returned scalar is differentiable with respect to the critic's variables (a gradient of a gradient): call it
 * inside tf.variableGrads / optimizer.minimize. The norm carries a 1e-12 inside the square root only so that its
 * derivative stays finite at a zero gradient (a measure-zero event for a trained critic; value change <= 1e-6).
 */
export function gradientPenalty(critic: (x: tf.Tensor) => tf.Tensor1D, real: tf.Tensor, fake: tf.Tensor, alpha: tf.Tensor1D): tf.Scalar {
  if (real.shape.join(',') !== fake.shape.join(',')) throw new Error(`gradientPenalty: real [${real.shape.join(', ')}] and fake [${fake.shape.join(', ')}] must have the same shape`);
  if (alpha.rank !== 1 || alpha.shape[0] !== real.shape[0]) throw new Error(`gradientPenalty: alpha must be [${real.shape[0]}], got [${alpha.shape.join(', ')}]`);
  return tf.tidy(() => {
    const n = real.shape[0];
    const a = tf.reshape(alpha, [n, ...real.shape.slice(1).map(() => 1)]);
    const xhat = tf.add(tf.mul(a, fake), tf.mul(tf.sub(1, a), real));
    const g = tf.grad((x: tf.Tensor) => tf.sum(critic(x)))(xhat);
    const flat = tf.reshape(g, [n, -1]);
    const norm = tf.sqrt(tf.add(tf.sum(tf.square(flat), 1), 1e-12));
    return tf.mean(tf.square(tf.sub(norm, 1))) as tf.Scalar;
  });
}

/** The full WGAN-GP critic loss: mean D(fake) - mean D(real) + weight * gradientPenalty. */
export function wganGpCriticLoss(
  critic: (x: tf.Tensor) => tf.Tensor1D,
  real: tf.Tensor,
  fake: tf.Tensor,
  alpha: tf.Tensor1D,
  weight = GP_WEIGHT,
): { loss: tf.Scalar; wasserstein: tf.Scalar; penalty: tf.Scalar } {
  const penalty = gradientPenalty(critic, real, fake, alpha);
  const wasserstein = tf.tidy(() => tf.neg(wganCriticLoss(critic(real), critic(fake))) as tf.Scalar);
  const loss = tf.tidy(() => tf.add(tf.neg(wasserstein), tf.mul(penalty, weight)) as tf.Scalar);
  return { loss, wasserstein, penalty };
}
