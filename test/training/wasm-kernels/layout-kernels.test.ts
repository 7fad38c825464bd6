/**
 * Our layout kernels against upstream's cpu kernels: Reverse along every subset of axes for ranks 1 to 4, int32 and
 * bool, batch 1 and an empty tensor, with its gradient; Cast to the same dtype (shares the buffer) and to another
 * (upstream's conversion); Transpose of the last two axes (SIMD 4x4 tiles plus edges) for sizes on and off
 * multiples of 4, batched, int32, and other permutations (upstream's kernel behind ours); Slice (bulk row copies)
 * of ranks 1 to 4 cutting every axis or only some, at the edges, of size 1 and empty, int32 and bool, with the
 * gradient.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, shutdownBackend } from '../../../training/backend';
import { castConfig } from '../../../training/wasm-kernels/cast';
import { reverseConfig } from '../../../training/wasm-kernels/reverse';
import { sliceConfig } from '../../../training/wasm-kernels/slice';
import { swapsLastTwo, transposeConfig } from '../../../training/wasm-kernels/transpose';
import { compareBackends, evaluate, randomInputs } from './compare';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', threads: 2, quiet: true });
});
afterAll(() => shutdownBackend());

test('the wasm backend dispatches Reverse, Cast, Transpose and Slice to our kernels', () => {
  expect(tf.getKernel(tf.Reverse, 'wasm')?.kernelFunc).toBe(reverseConfig.kernelFunc);
  expect(tf.getKernel(tf.Slice, 'wasm')?.kernelFunc).toBe(sliceConfig.kernelFunc);
  expect(tf.getKernel(tf.Cast, 'wasm')?.kernelFunc).toBe(castConfig.kernelFunc);
  expect(tf.getKernel(tf.Transpose, 'wasm')?.kernelFunc).toBe(transposeConfig.kernelFunc);
});

describe.each([
  [[4, 4]],
  [[5, 7]],
  [[1, 9]],
  [[9, 1]],
  [[67, 130]],
  [[128, 72]],
  [[3, 6, 10]],
  [[2, 3, 8, 5]],
])('Transpose of the last two axes of %j', (shape) => {
  const perm = shape.map((_, i) => i);
  [perm[shape.length - 2], perm[shape.length - 1]] = [perm[shape.length - 1], perm[shape.length - 2]];
  test('values and gradient match cpu exactly', async () => {
    expect(swapsLastTwo(perm)).toBe(true);
    const inputs = randomInputs(900 + shape.reduce((a, b) => a + b, 0), { x: shape, dy: perm.map((a) => shape[a]) });
    const errs = await compareBackends(inputs, ({ x, dy }) => [tf.transpose(x, perm), tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.transpose(v, perm), dy)))(x)]);
    for (const e of errs) expect(e).toBe(0);
  });
  test('int32 values match cpu exactly', async () => {
    const n = shape.reduce((a, b) => a * b, 1);
    const run = async (backend: 'wasm' | 'cpu') => {
      await tf.setBackend(backend);
      const x = tf.tensor(Int32Array.from({ length: n }, (_, i) => i * 7919 - 40000), shape, 'int32');
      const y = tf.transpose(x, perm);
      const out = { dtype: y.dtype, shape: y.shape, values: Array.from(y.dataSync()) };
      tf.dispose([x, y]);
      return out;
    };
    const cpu = await run('cpu');
    const wasm = await run('wasm');
    expect(wasm).toEqual(cpu);
  });
});

test('Transpose with other permutations (upstream behind ours) matches cpu exactly', async () => {
  expect(swapsLastTwo([1, 0, 2])).toBe(false);
  expect(swapsLastTwo([0, 2, 1])).toBe(true);
  const inputs = randomInputs(990, { x: [3, 4, 5, 6] });
  const errs = await compareBackends(inputs, ({ x }) => [tf.transpose(x, [3, 1, 2, 0]), tf.transpose(x, [1, 2, 0, 3]), tf.transpose(x, [1, 0, 2, 3])]);
  for (const e of errs) expect(e).toBe(0);
});

/** Every non-empty subset of 0..rank-1, and the negative form of the last axis. */
function axisSets(rank: number): number[][] {
  const out: number[][] = [];
  for (let mask = 1; mask < 1 << rank; mask++) out.push(Array.from({ length: rank }, (_, a) => a).filter((a) => mask & (1 << a)));
  out.push([-1]);
  return out;
}

describe.each([
  [[7]],
  [[1, 784]],
  [[5, 6]],
  [[2, 3, 4]],
  [[3, 1, 4, 2]],
])('Reverse of shape %j', (shape) => {
  test.each(axisSets(shape.length).map((a) => [a]))('axes %j: values and gradient match cpu exactly', async (axes) => {
    const inputs = randomInputs(800 + shape.length * 31 + axes.join('').length, { x: shape, dy: shape });
    const errs = await compareBackends(inputs, ({ x, dy }) => [tf.reverse(x, axes), tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.reverse(v, axes), dy)))(x)]);
    for (const e of errs) expect(e).toBe(0);
  });
});

describe.each([
  // shape, begin, size (-1: to the end)
  [[7], [2], [4]],
  [[7], [0], [7]],
  [[784, 1024], [5, 0], [1, 1024]],
  [[36, 784], [0, 17], [36, 1]],
  [[1024, 1568], [0, 264], [1024, 264]],
  [[9, 13], [8, 12], [1, 1]],
  [[9, 13], [3, 0], [-1, -1]],
  [[2, 784, 64], [0, 100, 0], [2, 1, 64]],
  [[4, 5, 6], [1, 2, 3], [2, 3, 3]],
  [[4, 5, 6], [1, 0, 0], [2, 5, 6]],
  [[3, 4, 5, 6], [1, 1, 2, 0], [2, 2, 2, 6]],
  [[3, 4, 5, 6], [0, 1, 1, 1], [3, 3, 4, 5]],
  [[1, 3, 4], [0, 0, 0], [1, 3, 4]],
])('Slice of %j at %j, size %j', (shape, begin, size) => {
  test('values and gradient match cpu exactly', async () => {
    const out = size.map((s, a) => (s === -1 ? shape[a] - begin[a] : s));
    const inputs = randomInputs(700 + shape.reduce((a, b) => a + b, 0) + begin.reduce((a, b) => a + b, 0), { x: shape, dy: out });
    const errs = await compareBackends(inputs, ({ x, dy }) => [tf.slice(x, begin, size), tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.slice(v, begin, size), dy)))(x)]);
    for (const e of errs) expect(e).toBe(0);
  });
});

test('Slice of int32 and bool tensors, and empty slices, matches cpu', async () => {
  const run = async (backend: 'wasm' | 'cpu') => {
    await tf.setBackend(backend);
    const i = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8, 9], [3, 3], 'int32');
    const b = tf.tensor3d([1, 0, 0, 1, 1, 0, 1, 1], [2, 2, 2], 'bool');
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const out = [tf.slice(i, [1, 1], [2, 2]), tf.slice(b, [0, 1, 0], [2, 1, 2]), tf.slice(x, [1, 0], [0, 2]), tf.slice(x, [0, 2], [2, 0])];
    const res = out.map((t) => ({ dtype: t.dtype, shape: t.shape, values: Array.from(t.dataSync()) }));
    tf.dispose([i, b, x, ...out]);
    return res;
  };
  const wasm = await run('wasm');
  const cpu = await run('cpu');
  await tf.setBackend('wasm');
  expect(wasm).toEqual(cpu);
  expect(wasm[0].values).toEqual([5, 6, 8, 9]);
});

test('Slice out of range is refused with the shapes in the message', async () => {
  await tf.setBackend('wasm');
  const x = tf.zeros([3, 4]);
  expect(() => tf.slice(x, [2, 0], [2, 4])).toThrow(/slice/i);
  x.dispose();
});

test('Reverse of int32 and bool tensors, and of an empty tensor, matches cpu', async () => {
  const run = async (backend: 'wasm' | 'cpu') => {
    await tf.setBackend(backend);
    const i = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3], 'int32');
    const b = tf.tensor2d([1, 0, 0, 1, 1, 0], [3, 2], 'bool');
    const e = tf.zeros([0, 3]);
    const out = [tf.reverse(i, [0, 1]), tf.reverse(b, 1), tf.reverse(e, 1)];
    const res = out.map((t) => ({ dtype: t.dtype, shape: t.shape, values: Array.from(t.dataSync()) }));
    tf.dispose([i, b, e, ...out]);
    return res;
  };
  const wasm = await run('wasm');
  const cpu = await run('cpu');
  await tf.setBackend('wasm');
  expect(wasm).toEqual(cpu);
  expect(wasm[0].values).toEqual([6, 5, 4, 3, 2, 1]);
});

test('Cast to the same dtype shares the buffer and keeps its values after the original is disposed', async () => {
  await tf.setBackend('wasm');
  const x = tf.tensor2d([1, -2, 3, 4.5], [2, 2]);
  const buffers = tf.engine().backend.numDataIds();
  const y = tf.cast(x, 'float32');
  // tf.cast returns the input itself for the same dtype; the kernel is what gradients reach through runKernel.
  const z = tf.engine().runKernel(tf.Cast, { x }, { dtype: 'float32' }) as tf.Tensor;
  expect(tf.engine().backend.numDataIds()).toBe(buffers);
  x.dispose();
  expect(Array.from(z.dataSync())).toEqual([1, -2, 3, 4.5]);
  tf.dispose([y, z]);
});

test('Cast between dtypes matches cpu (float32 -> int32 truncates; -> bool is x != 0, which upstream wasm got wrong)', async () => {
  const inputs = randomInputs(900, { x: [4, 5] });
  for (const v of [0, 3]) inputs.x.data[v] = 0;
  const f = ({ x }: Record<string, tf.Tensor>) => [tf.cast(tf.mul(x, 10), 'int32'), tf.cast(x, 'bool'), tf.cast(tf.cast(tf.mul(x, 10), 'int32'), 'bool')];
  const w = await evaluate('wasm', inputs, f);
  const c = await evaluate('cpu', inputs, f);
  await tf.setBackend('wasm');
  expect(w.map((o) => Array.from(o.data))).toEqual(c.map((o) => Array.from(o.data)));
  expect(Array.from(w[1].data).filter((b) => b === 0).length).toBe(2);
  expect(Array.from(w[1].data).every((b) => b === 0 || b === 1)).toBe(true);
});
