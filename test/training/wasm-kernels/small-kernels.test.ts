/** Our wasm Identity (shares the buffer) and LeakyRelu (x * step(x, alpha)), and the leakyRelu gradient
 *  (dy * step(x, alpha)), against closed forms and the cpu backend. */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, shutdownBackend } from '../../../training/backend';
import { identityConfig } from '../../../training/wasm-kernels/identity';
import { leakyReluConfig } from '../../../training/wasm-kernels/leaky-relu';
import { compareBackends, randomInputs } from './compare';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', threads: 2, quiet: true });
});
afterAll(() => shutdownBackend());

test('the wasm backend dispatches Identity and LeakyRelu to our kernels', () => {
  expect(tf.getKernel(tf.Identity, 'wasm')?.kernelFunc).toBe(identityConfig.kernelFunc);
  expect(tf.getKernel(tf.LeakyRelu, 'wasm')?.kernelFunc).toBe(leakyReluConfig.kernelFunc);
});

test('Identity: a clone keeps its values after the original is disposed, and allocates no buffer', () => {
  const x = tf.tensor2d([1, -2, 3, 4.5, 0, -0.25], [2, 3]);
  const buffers = tf.engine().backend.numDataIds();
  const y = tf.clone(x);
  expect(tf.engine().backend.numDataIds()).toBe(buffers);
  x.dispose();
  expect(Array.from(y.dataSync())).toEqual([1, -2, 3, 4.5, 0, -0.25]);
  expect(y.shape).toEqual([2, 3]);
  y.dispose();
});

test('LeakyRelu: exact values on both sides of 0, at 0, and at the infinities', async () => {
  await tf.setBackend('wasm');
  const xs = [-3, -1e-30, 0, 1e-30, 2.5, -Infinity, Infinity, -7.25];
  for (const alpha of [0.1, 0.2, 0]) {
    const y = tf.leakyRelu(tf.tensor1d(xs), alpha).dataSync();
    const want = xs.map((v) => Math.fround(v > 0 ? v : Math.fround(alpha) * v));
    expect(Array.from(y)).toEqual(want);
  }
});

test('LeakyRelu forward and gradient match cpu on random data; the gradient equals dy * (x > 0 ? 1 : alpha)', async () => {
  const inputs = randomInputs(700, { x: [4, 9, 7, 3], dy: [4, 9, 7, 3] });
  const errs = await compareBackends(inputs, ({ x, dy }) => {
    const f = (v: tf.Tensor) => tf.sum(tf.mul(tf.leakyRelu(v, 0.1), dy));
    return [tf.leakyRelu(x, 0.1), tf.grad(f)(x)];
  });
  for (const e of errs) expect(e).toBeLessThan(1e-6);
  await tf.setBackend('wasm');
  const x = inputs.x.data;
  const dy = inputs.dy.data;
  const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.leakyRelu(v, 0.1), tf.tensor(dy, inputs.dy.shape))))(tf.tensor(x, inputs.x.shape)).dataSync();
  for (let i = 0; i < x.length; i++) expect(g[i]).toBe(Math.fround(dy[i] * (x[i] > 0 ? 1 : Math.fround(0.1))));
});
