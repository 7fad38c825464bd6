/**
 * The change-of-variables helper on a flow whose density is known in closed form:
 *   f(z)    = [z1, z2 exp(z1), cbrt(z3 exp(-z1) + z1^2)]
 *   f^-1(x) = [x1, x2 exp(-x1), (x3^3 - x1^2) exp(x1)],   log|det J_{f^-1}(x)| = log 3 + 2 log|x3|
 * The helper gets f^-1 written in tfjs and a log-determinant taken from the autodiff Jacobian (not from the
 * formula), and must reproduce log p(x) = sum_i log N(z_i) + log 3 + 2 log|x3| computed in float64.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../training/backend';
import { changeOfVariablesLogProb, standardNormalLogProb } from '../../../training/nets/flow';
import { logAbsDet } from './jacobian';

beforeAll(async () => {
  await initBackend({ backend: 'cpu', quiet: true });
});

function fInverseTf(x: tf.Tensor2D): tf.Tensor2D {
  const [x1, x2, x3] = tf.split(x, 3, 1);
  return tf.concat([x1, tf.mul(x2, tf.exp(tf.neg(x1))), tf.mul(tf.sub(tf.pow(x3, 3), tf.square(x1)), tf.exp(x1))], 1) as tf.Tensor2D;
}

/** Per-example log|det| of the autodiff Jacobian of fInverseTf (rows are independent, so one grad per output). */
function autodiffLogDet(x: tf.Tensor2D): tf.Tensor1D {
  const n = x.shape[0];
  const rows = [0, 1, 2].map((i) => tf.grad((v: tf.Tensor) => tf.sum(tf.slice(fInverseTf(v as tf.Tensor2D), [0, i], [n, 1])))(x).arraySync() as number[][]);
  const out = new Float32Array(n);
  for (let e = 0; e < n; e++) out[e] = logAbsDet([rows[0][e], rows[1][e], rows[2][e]]);
  return tf.tensor1d(out);
}

function closedFormLogProb([x1, x2, x3]: number[]): number {
  const z = [x1, x2 * Math.exp(-x1), (x3 ** 3 - x1 ** 2) * Math.exp(x1)];
  return z.reduce((s, v) => s - 0.5 * v * v - 0.5 * Math.log(2 * Math.PI), 0) + Math.log(3) + 2 * Math.log(Math.abs(x3));
}

function f([z1, z2, z3]: number[]): number[] {
  return [z1, z2 * Math.exp(z1), Math.cbrt(z3 * Math.exp(-z1) + z1 * z1)];
}

const POINTS = [
  [0, 1, 1 / 3],
  [0.5, -1, 2],
  [-1, 0.3, -0.7],
  [1.2, 2, 0.9],
  [-0.4, -1.5, 0.25],
];

test('the stated inverse inverts f (so the closed form describes the flow we think)', () => {
  for (const z of [[0.3, -0.2, 1.1], [-1, 2, -0.5], [0.7, 0.1, 0.05]]) {
    const x = f(z);
    const back = tf.tidy(() => fInverseTf(tf.tensor2d(x, [1, 3])).arraySync()[0]);
    back.forEach((v, i) => expect(v).toBeCloseTo(z[i], 5));
  }
});

test('log p(x) from the helper (autodiff log|det|) equals the closed form at several points', () => {
  const x = tf.tensor2d(POINTS);
  const lp = changeOfVariablesLogProb(x, (v) => ({ z: fInverseTf(v), logDet: autodiffLogDet(v) })).dataSync();
  POINTS.forEach((p, i) => expect(Math.abs(lp[i] - closedFormLogProb(p))).toBeLessThan(1e-4));
  // x = (0, 1, 1/3): z = (0, 1, 1/27), log p = -1.5 log 2pi - 0.5 (1 + 1/729) + log 3 - 2 log 3 (worked by hand).
  expect(lp[0]).toBeCloseTo(-1.5 * Math.log(2 * Math.PI) - 0.5 * (1 + 1 / 729) - Math.log(3), 4);
  expect(closedFormLogProb(POINTS[0])).toBeCloseTo(-4.356113759, 8);
});

test('the autodiff log|det| equals log 3 + 2 log|x3|', () => {
  const ld = autodiffLogDet(tf.tensor2d(POINTS)).dataSync();
  POINTS.forEach((p, i) => expect(ld[i]).toBeCloseTo(Math.log(3) + 2 * Math.log(Math.abs(p[2])), 4));
});

test('standardNormalLogProb is the sum of 1-D standard normal log-densities', () => {
  const z = [[0, 0], [1, -2], [0.5, 3]];
  const lp = standardNormalLogProb(tf.tensor2d(z)).dataSync();
  z.forEach((r, i) => expect(lp[i]).toBeCloseTo(r.reduce((s, v) => s - 0.5 * v * v - 0.5 * Math.log(2 * Math.PI), 0), 5));
});

test('the helper rejects an inverse that returns the wrong shapes', () => {
  const x = tf.tensor2d([[1, 2, 3]]);
  expect(() => changeOfVariablesLogProb(x, (v) => ({ z: v, logDet: tf.zeros([2]) as tf.Tensor1D }))).toThrow(/logDet \[N\]/);
  expect(() => changeOfVariablesLogProb(tf.zeros([3]) as unknown as tf.Tensor2D, (v) => ({ z: v, logDet: tf.zeros([1]) as tf.Tensor1D }))).toThrow(/\[N, D\]/);
});
