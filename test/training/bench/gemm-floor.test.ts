/**
 * The GEMM work counted from profiled kernels equals the textbook counts: 2 m k n for a product and twice that again
 * for its two gradients; 2 |y| KH KW Cin for a convolution and the same for each of its gradients.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, shutdownBackend } from '../../../training/backend';
import { kernelFlops, measureGemmRate, profileGemmFlops } from '../../../training/bench/gemm-floor';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', threads: 1, quiet: true });
});
afterAll(() => shutdownBackend());

test.each([
  [false, false],
  [true, false],
  [false, true],
  [true, true],
])('matMul 7x5 . 5x3 (transposeA %s, transposeB %s): 2 m k n forward, 6 m k n with both gradients', async (ta, tb) => {
  const [m, k, n] = [7, 5, 3];
  const a = tf.randomNormal(ta ? [k, m] : [m, k]);
  const b = tf.randomNormal(tb ? [n, k] : [k, n]);
  expect(await profileGemmFlops(() => tf.tidy(() => tf.matMul(a, b, ta, tb).dataSync()))).toBe(2 * m * k * n);
  const g = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.matMul(x, y, ta, tb)));
  expect(await profileGemmFlops(() => tf.tidy(() => g([a, b]).forEach((t) => t.dataSync())))).toBe(6 * m * k * n);
  tf.dispose([a, b]);
});

test('batched matMul [4, 6, 2] . [4, 2, 9]: 2 m k n per batch item', async () => {
  const a = tf.randomNormal([4, 6, 2]);
  const b = tf.randomNormal([4, 2, 9]);
  expect(await profileGemmFlops(() => tf.tidy(() => tf.matMul(a, b).dataSync()))).toBe(4 * 2 * 6 * 2 * 9);
  tf.dispose([a, b]);
});

test.each([
  ['same', 1],
  ['valid', 2],
] as const)('conv2d 4x4, padding %s, stride %i: forward and each gradient do 2 |y| KH KW Cin', async (pad, stride) => {
  const x = tf.randomNormal([2, 12, 12, 3]) as tf.Tensor4D;
  const w = tf.randomNormal([4, 4, 3, 5]) as tf.Tensor4D;
  const y = tf.conv2d(x, w, stride, pad);
  const forward = 2 * y.size * 4 * 4 * 3;
  expect(await profileGemmFlops(() => tf.tidy(() => tf.conv2d(x, w, stride, pad).dataSync()))).toBe(forward);
  const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad)));
  expect(await profileGemmFlops(() => tf.tidy(() => g([x, w]).forEach((t) => t.dataSync())))).toBe(3 * forward);
  tf.dispose([x, w, y]);
});

test('element-wise kernels count no GEMM work', () => {
  expect(kernelFlops({ name: 'Add', inputShapes: [[3, 4], [3, 4]], outputShapes: [[3, 4]] })).toBe(0);
});

test('the measured GEMM rate is a plausible positive figure', () => {
  const rate = measureGemmRate(64, 128, 128, 3);
  expect(rate).toBeGreaterThan(1e7);
  expect(rate).toBeLessThan(1e13);
});
