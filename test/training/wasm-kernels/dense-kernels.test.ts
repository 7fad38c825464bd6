/**
 * Our dense-path wasm kernels against upstream's cpu kernels and closed forms:
 * - BatchMatMul (materialised transposes + XNNPACK GEMM, direct or swapped plan) for every transpose combination,
 *   batch 1 and batched, and the matMul gradients (transposed products);
 * - Identity (shares the buffer) and LeakyRelu (x * step(x, alpha)), and the leakyRelu gradient dy * step(x, alpha);
 * - Sum and Mean over leading axes (row sums), and over other axes (upstream's kernel behind ours).
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, shutdownBackend } from '../../../training/backend';
import { batchMatMulConfig, planCosts } from '../../../training/wasm-kernels/batch-mat-mul';
import { identityConfig } from '../../../training/wasm-kernels/identity';
import { leakyReluConfig } from '../../../training/wasm-kernels/leaky-relu';
import { meanConfig } from '../../../training/wasm-kernels/mean';
import { sumConfig } from '../../../training/wasm-kernels/sum';
import { compareBackends, randomInputs } from './compare';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', threads: 2, quiet: true });
});
afterAll(() => shutdownBackend());

test('the wasm backend dispatches BatchMatMul to our kernel', () => {
  expect(tf.getKernel(tf.BatchMatMul, 'wasm')?.kernelFunc).toBe(batchMatMulConfig.kernelFunc);
});

const CASES: { name: string; batch: number[]; m: number; k: number; n: number }[] = [
  { name: '2-D 7x13 . 13x5', batch: [], m: 7, k: 13, n: 5 },
  { name: '2-D 1x64 . 64x33 (one row)', batch: [], m: 1, k: 64, n: 33 },
  { name: '2-D 96x200 . 200x130 (GEMM-sized)', batch: [], m: 96, k: 200, n: 130 },
  { name: '2-D 16x48 . 48x300 (dense input gradient shape)', batch: [], m: 16, k: 48, n: 300 },
  { name: '3-D batch 3, 4x6 . 6x9', batch: [3], m: 4, k: 6, n: 9 },
  { name: '4-D batch 2x2, 5x3 . 3x8', batch: [2, 2], m: 5, k: 3, n: 8 },
];

test('the 2-D cases exercise both plans (direct and swapped)', () => {
  const plans = new Set<string>();
  for (const c of CASES.filter((x) => x.batch.length === 0)) {
    for (const [ta, tb] of [[true, false], [false, true], [true, true]]) {
      const cost = planCosts(c.m, c.k, c.n, ta, tb);
      plans.add(cost.swapped < cost.direct ? 'swapped' : 'direct');
    }
  }
  expect([...plans].sort()).toEqual(['direct', 'swapped']);
});

test('a right-hand operand used again (swapped plan first, then XNNPACK\'s cached pack) and a variable give cpu\'s product', async () => {
  // 8x96 . 96x200: the swapped plan is the cheaper one for a fresh operand.
  expect(planCosts(8, 96, 200, false, false).swapped).toBeLessThan(planCosts(8, 96, 200, false, false).direct);
  const inputs = randomInputs(700, { a: [8, 96], a2: [8, 96], b: [96, 200] });
  const errs = await compareBackends(inputs, ({ a, a2, b }) => {
    const w = tf.variable(tf.mul(b, 2), false, `reuse.${tf.getBackend()}`);
    const out = [tf.matMul(a, b), tf.matMul(a2, b), tf.matMul(a, b), tf.matMul(a, w), tf.matMul(a2, w)];
    w.dispose();
    return out;
  });
  for (const e of errs) expect(e).toBeLessThan(1e-4);
});

describe.each(CASES.map((c, i) => [c.name, c, i] as const))('%s', (_name, c, i) => {
  test.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])('transposeA %s, transposeB %s matches cpu', async (ta, tb) => {
    const aShape = [...c.batch, ...(ta ? [c.k, c.m] : [c.m, c.k])];
    const bShape = [...c.batch, ...(tb ? [c.n, c.k] : [c.k, c.n])];
    const inputs = randomInputs(500 + i * 4 + Number(ta) * 2 + Number(tb), { a: aShape, b: bShape });
    const [err] = await compareBackends(inputs, ({ a, b }) => tf.matMul(a, b, ta, tb));
    expect(err).toBeLessThan(1e-4);
  });

  test('matMul gradients match cpu', async () => {
    const inputs = randomInputs(600 + i, { a: [...c.batch, c.m, c.k], b: [...c.batch, c.k, c.n], r: [...c.batch, c.m, c.n] });
    const errs = await compareBackends(inputs, ({ a, b, r }) => tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y), r)))([a, b]));
    for (const e of errs) expect(e).toBeLessThan(1e-4);
  });
});

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

describe('Sum and Mean', () => {
  test('the wasm backend dispatches them to our kernels', () => {
    expect(tf.getKernel(tf.Sum, 'wasm')?.kernelFunc).toBe(sumConfig.kernelFunc);
    expect(tf.getKernel(tf.Mean, 'wasm')?.kernelFunc).toBe(meanConfig.kernelFunc);
  });

  const CASES: [number[], number | number[], boolean][] = [
    [[64, 30], 0, false],
    [[5, 7, 6, 4], [0, 1, 2], false],
    [[5, 7, 6, 4], [1, 0], true],
    [[3, 4, 5], [0], true],
    [[1, 9], [0], false],
    [[64, 14, 14, 32], [0, 1, 2], false], // a batch-norm layer's statistics (SIMD path, 12544 rows)
    [[64, 3136], 0, true], // a dense bias gradient
    [[50, 7], 0, false], // odd columns: the JavaScript path
    [[6, 5], 1, false], // not leading: upstream's kernel
    [[4, 3, 5], [0, 2], true], // not contiguous leading axes: upstream's kernel
    [[4, 3], [0, 1], false], // every axis: upstream's kernel
    [[4, 3], -2, false],
  ];
  test.each(CASES)('shape %j, axis %j, keepDims %s: matches cpu', async (shape, axis, keepDims) => {
    const inputs = randomInputs(900 + shape.length, { x: shape });
    const errs = await compareBackends(inputs, ({ x }) => [tf.sum(x, axis, keepDims), tf.mean(x, axis, keepDims)]);
    for (const e of errs) expect(e).toBeLessThan(1e-6);
  });

  test.each([[[20000, 6]], [[20000, 3]]])('shape %j of 0.1s: float64 accumulation gives the correctly rounded sum (SIMD and JavaScript paths)', async (shape) => {
    await tf.setBackend('wasm');
    const x = tf.fill(shape, 0.1);
    const expected = Math.fround(20000 * Math.fround(0.1));
    expect(Array.from(tf.sum(x, 0).dataSync())).toEqual(new Array(shape[1]).fill(expected));
    expect(Array.from(tf.mean(x, 0).dataSync())).toEqual(new Array(shape[1]).fill(Math.fround(expected / 20000)));
    x.dispose();
  });

  test('exact on integers-valued floats (closed form)', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor3d(Array.from({ length: 24 }, (_, i) => i), [2, 3, 4]);
    expect(Array.from(tf.sum(x, [0, 1]).dataSync())).toEqual([60, 66, 72, 78]);
    expect(Array.from(tf.mean(x, 0).dataSync())).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]);
    expect(tf.sum(x, [0, 1], true).shape).toEqual([1, 1, 4]);
  });
});
