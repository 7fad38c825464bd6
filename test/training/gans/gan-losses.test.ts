/**
 * GAN losses against closed forms from the theory (cpu backend; seconds of training only):
 * the values at logits 0, saturation of the minimax generator loss, the optimal discriminator of two Gaussians,
 * the WGAN-GP critic between two point masses, and the stable log-sigmoid at extreme logits. (The losses of the
 * real networks at initialisation are checked in gan-nets.test.ts, which builds those networks anyway.)
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../training/backend';
import { Random } from '../../../runtime/core/random';
import {
  gradientPenalty,
  minimaxGeneratorLoss,
  nsDiscriminatorLoss,
  nsGeneratorLoss,
  wganCriticLoss,
  wganGeneratorLoss,
  wganGpCriticLoss,
} from '../../../families/gan/gan-losses';
import { applyStack, initParams, Stack, trainable } from '../../../training/nets/layers';

beforeAll(async () => {
  await initBackend({ backend: 'cpu', quiet: true }); // also registers tfjs' gradients
});
afterEach(() => tf.disposeVariables());

const LN2 = Math.log(2);
const sigma = (h: number) => 1 / (1 + Math.exp(-h));
const num = (t: tf.Tensor) => t.dataSync()[0];

describe('non-saturating losses: closed forms', () => {
  test('logits exactly 0 give 2 ln 2 (D) and ln 2 (G)', () => {
    const z = tf.zeros([16]) as tf.Tensor1D;
    expect(num(nsDiscriminatorLoss(z, z))).toBeCloseTo(2 * LN2, 6);
    expect(num(nsGeneratorLoss(z))).toBeCloseTo(LN2, 6);
  });

  test('values equal -mean log sigmoid / -mean log(1 - sigmoid) computed in float64', () => {
    const hr = [-3, -0.5, 0.2, 4], hf = [-2, 0.1, 1.5, 6];
    const ref = (hs: number[], f: (h: number) => number) => hs.reduce((a, h) => a + f(h), 0) / hs.length;
    const dRef = ref(hr, (h) => -Math.log(sigma(h))) + ref(hf, (h) => -Math.log(1 - sigma(h)));
    expect(num(nsDiscriminatorLoss(tf.tensor1d(hr), tf.tensor1d(hf)))).toBeCloseTo(dRef, 5);
    expect(num(nsGeneratorLoss(tf.tensor1d(hf)))).toBeCloseTo(ref(hf, (h) => -Math.log(sigma(h))), 5);
    expect(num(minimaxGeneratorLoss(tf.tensor1d(hf)))).toBeCloseTo(ref(hf, (h) => Math.log(1 - sigma(h))), 5);
  });

  test('stable at extreme logits: |h| = 100 gives finite values equal to the asymptotes', () => {
    // -log sigmoid(-100) = 100 + log(1 + e^-100) = 100 in float32; a naive log(sigmoid(h)) would give -log(0) = inf.
    const big = tf.tensor1d([100]), small = tf.tensor1d([-100]);
    expect(num(nsGeneratorLoss(small))).toBeCloseTo(100, 4);
    expect(num(nsDiscriminatorLoss(small, big))).toBeCloseTo(200, 3);
    expect(num(nsDiscriminatorLoss(big, small))).toBeCloseTo(0, 6);
    const g = tf.grad((h: tf.Tensor) => nsGeneratorLoss(h as tf.Tensor1D))(small);
    expect(num(g)).toBeCloseTo(-1, 6);
  });
});

test('minimax vs non-saturating: at h = -10 the generator gradient factors are sigma(h) and 1 - sigma(h)', () => {
  const h = tf.tensor1d([-10]);
  const mm = num(tf.grad((x: tf.Tensor) => minimaxGeneratorLoss(x as tf.Tensor1D))(h));
  const ns = num(tf.grad((x: tf.Tensor) => nsGeneratorLoss(x as tf.Tensor1D))(h));
  // d/dh log(1 - sigma(h)) = -sigma(h);  d/dh -log sigma(h) = -(1 - sigma(h)).
  expect(mm / -sigma(-10)).toBeCloseTo(1, 4);
  expect(Math.abs(mm)).toBeCloseTo(4.5398e-5, 8);
  expect(ns / -(1 - sigma(-10))).toBeCloseTo(1, 5);
  expect(Math.abs(ns) / Math.abs(mm)).toBeGreaterThan(2e4);
});

/** Adam on a loss of some variables, full batch. */
function fit(vars: tf.Variable[], loss: () => tf.Scalar, steps: number, lr: number): void {
  const opt = tf.train.adam(lr, 0.9, 0.999);
  for (let i = 0; i < steps; i++) tf.tidy(() => { opt.minimize(loss, false, vars); });
  opt.dispose();
}

test('optimal discriminator of N(theta0, 1) vs N(theta, 1): the trained logit is log p_data/p_theta (closed form)', () => {
  // h*(x) = log N(x; theta0, 1) - log N(x; theta, 1) = (theta0 - theta) x + (theta^2 - theta0^2) / 2.
  const theta0 = 1, theta = -0.5;
  const slope = theta0 - theta, intercept = (theta * theta - theta0 * theta0) / 2;
  const n = 5000;
  const rng = new Random(11);
  const xr = rng.fillNormal(new Float32Array(n), theta0, 1), xf = rng.fillNormal(new Float32Array(n), theta, 1);
  const real = tf.tensor1d(xr), fake = tf.tensor1d(xf);
  // The logit family h(x) = w x + c contains h*, so the loss's minimiser over it is h* up to sampling error.
  const w = tf.variable(tf.scalar(0)), c = tf.variable(tf.scalar(0));
  const h = (x: tf.Tensor1D) => tf.add(tf.mul(x, w), c) as tf.Tensor1D;
  fit([w, c], () => nsDiscriminatorLoss(h(real), h(fake)), 150, 0.1);
  // Sampling error of the fitted (c, w): the inverse Fisher information of logistic regression at h*,
  // sum_i s_i (1 - s_i) [1 x_i][1 x_i]^T with s_i = sigma(h*(x_i)) over all 2n samples.
  let a = 0, b = 0, d = 0;
  for (const x of [...xr, ...xf]) {
    const s = sigma(slope * x + intercept), v = s * (1 - s);
    a += v;
    b += v * x;
    d += v * x * x;
  }
  const det = a * d - b * b;
  const seIntercept = Math.sqrt(d / det), seSlope = Math.sqrt(a / det);
  expect(seSlope).toBeLessThan(0.05); // so a wrong slope (say 1 or 2 instead of 1.5) cannot pass
  expect(Math.abs(num(w) - slope)).toBeLessThan(4 * seSlope);
  expect(Math.abs(num(c) - intercept)).toBeLessThan(4 * seIntercept);
});

test('WGAN-GP between point masses theta0 and theta: D(theta0) - D(theta) -> |theta - theta0| (+ Delta^2 / 2 lambda)', () => {
  // With xhat uniform on the segment, D(theta0) - D(theta) = Delta * E[D'(xhat)], and for a given mean m of D' the
  // penalty lambda E[(|D'| - 1)^2] is smallest for constant D' = m. The critic's objective is then
  // m Delta - lambda (m - 1)^2, maximised at m = 1 + Delta / (2 lambda): D(theta0) - D(theta) = Delta + Delta^2 / (2 lambda),
  // which tends to |theta - theta0| as lambda grows (the Wasserstein-1 distance of the two point masses).
  const theta0 = 1, theta = -1, delta = Math.abs(theta0 - theta), lambda = 10;
  const expected = delta + (delta * delta) / (2 * lambda);
  const stack: Stack = [
    { kind: 'dense', name: 'c.fc1', inFeatures: 1, units: 16 },
    { kind: 'leakyRelu', alpha: 0.1 },
    { kind: 'dense', name: 'c.fc2', inFeatures: 16, units: 1 },
  ];
  const params = initParams(stack, new Random(5));
  const critic = (x: tf.Tensor) => tf.reshape(applyStack(stack, params, x, { training: true }), [-1]) as tf.Tensor1D;
  const n = 64;
  const real = tf.fill([n, 1], theta0), fake = tf.fill([n, 1], theta);
  const rng = new Random(6);
  const opt = tf.train.adam(0.02, 0.9, 0.999);
  for (let i = 0; i < 250; i++) {
    // Stratified draws (alpha_j ~ U[j/n, (j+1)/n)): each alpha is still uniform over the batch, but the penalty's
    // minibatch estimate has far less variance, so the critic settles instead of jittering around the optimum.
    const alpha = tf.tensor1d(Float32Array.from({ length: n }, (_, j) => (j + rng.uniform()) / n));
    tf.tidy(() => { opt.minimize(() => wganGpCriticLoss(critic, real, fake, alpha, lambda).loss, false, trainable(params)); });
    alpha.dispose();
  }
  opt.dispose();
  const gap = num(tf.tidy(() => tf.sub(critic(tf.tensor2d([theta0], [1, 1])), critic(tf.tensor2d([theta], [1, 1])))));
  expect(Math.abs(gap - expected)).toBeLessThan(0.01);
  expect(Math.abs(gap - delta)).toBeLessThan(delta * 0.2);
});

test('WGAN losses: critic loss mean D(fake) - mean D(real), generator loss -mean D(fake)', () => {
  const dr = tf.tensor1d([1, 2, 3]), df = tf.tensor1d([-1, 0.5]);
  expect(num(wganCriticLoss(dr, df))).toBeCloseTo(-0.25 - 2, 6);
  expect(num(wganGeneratorLoss(df))).toBeCloseTo(0.25, 6);
});

test('gradient penalty of a linear critic D(x) = w.x is (||w|| - 1)^2 for any interpolate', () => {
  const w = tf.tensor2d([[0.6], [0.8], [2]], [3, 1]); // ||w|| = sqrt(0.36 + 0.64 + 4) = sqrt 5
  const critic = (x: tf.Tensor) => tf.reshape(tf.matMul(x as tf.Tensor2D, w), [-1]) as tf.Tensor1D;
  const rng = new Random(9);
  const real = tf.tensor2d(rng.fillNormal(new Float32Array(15)), [5, 3]), fake = tf.tensor2d(rng.fillNormal(new Float32Array(15)), [5, 3]);
  const gp = num(gradientPenalty(critic, real, fake, tf.tensor1d(rng.fillUniform(new Float32Array(5)))));
  expect(gp).toBeCloseTo((Math.sqrt(5) - 1) ** 2, 5);
});

test('bad inputs are named', () => {
  expect(() => nsGeneratorLoss(tf.zeros([2, 1]) as unknown as tf.Tensor1D)).toThrow(/nsGeneratorLoss: logits must be a rank-1 tensor \[N\], got \[2, 1\]/);
  expect(() => gradientPenalty((x) => tf.sum(x, 1) as tf.Tensor1D, tf.zeros([2, 3]), tf.zeros([3, 3]), tf.zeros([2]) as tf.Tensor1D)).toThrow(/same shape/);
  expect(() => gradientPenalty((x) => tf.sum(x, 1) as tf.Tensor1D, tf.zeros([2, 3]), tf.zeros([2, 3]), tf.zeros([3]) as tf.Tensor1D)).toThrow(/alpha must be \[2\]/);
});
