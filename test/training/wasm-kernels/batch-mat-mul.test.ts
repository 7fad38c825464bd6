/** BatchMatMul on wasm (ours: materialised transposes + XNNPACK GEMM, direct or swapped) against upstream's cpu
 *  kernel, for every transpose combination, batch 1 and batched, and the matMul gradients (transposed products). */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, shutdownBackend } from '../../../training/backend';
import { batchMatMulConfig, planCosts } from '../../../training/wasm-kernels/batch-mat-mul';
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
