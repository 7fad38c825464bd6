/**
 * What the models need, on wasm:
 * - a second-order gradient against cpu: the gradient of a WGAN-GP-style penalty mean((||dD/dx|| - 1)^2) with
 *   respect to the critic's conv and dense weights, through conv2d (stride 2 and 1), leakyRelu and matMul (the path
 *   that needs Conv2DBackpropInput's gradient, i.e. conv2d + Conv2DBackpropFilter, and a differentiable leakyRelu
 *   gradient);
 * - every kernel our models dispatch (GAN / WGAN-GP / generator inference / MADE / MAF steps: forward, backward,
 *   second order, Adam) has a wasm implementation: one tiny step of each workload, kernels listed by tf.profile;
 * - whole training steps (forward, backward, Adam) end with the same parameters on wasm and on cpu.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, shutdownBackend } from '../../../training/backend';
import { smallConvWorkload, Workload } from '../../../training/bench/workloads';
import { madeWorkload } from '../../../families/maf/maf-bench';
import { coverageWorkloads, kernelsUsed, unregistered } from '../../../training/wasm-kernels/coverage';
import { compareBackends, randomInputs, relativeError } from './compare';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', threads: 2, quiet: true });
});
afterAll(() => shutdownBackend());
afterEach(() => tf.disposeVariables());

type W = Record<string, tf.Tensor>;

function critic(w: W, x: tf.Tensor): tf.Tensor {
  let h = tf.leakyRelu(tf.add(tf.conv2d(x as tf.Tensor4D, w.c1 as tf.Tensor4D, 2, [[0, 0], [1, 1], [1, 1], [0, 0]]), w.b1), 0.2);
  h = tf.leakyRelu(tf.add(tf.conv2d(h as tf.Tensor4D, w.c2 as tf.Tensor4D, 1, 'same'), w.b2), 0.2);
  h = tf.reshape(h, [x.shape[0], -1]);
  h = tf.leakyRelu(tf.add(tf.matMul(h as tf.Tensor2D, w.d1 as tf.Tensor2D), w.e1), 0.2);
  return tf.reshape(tf.matMul(h as tf.Tensor2D, w.d2 as tf.Tensor2D), [-1]);
}

function penalty(w: W, x: tf.Tensor): tf.Scalar {
  const g = tf.grad((v: tf.Tensor) => tf.sum(critic(w, v)))(x);
  const norm = tf.sqrt(tf.add(tf.sum(tf.square(tf.reshape(g, [x.shape[0], -1])), 1), 1e-12));
  return tf.mean(tf.square(tf.sub(norm, 1))) as tf.Scalar;
}

test('grad of the gradient-norm penalty w.r.t. conv and dense weights matches cpu', async () => {
  const shapes = { x: [3, 8, 8, 2], c1: [4, 4, 2, 5], b1: [5], c2: [3, 3, 5, 4], b2: [4], d1: [64, 6], e1: [6], d2: [6, 1] };
  const inputs = randomInputs(800, shapes);
  for (const k of ['c1', 'c2', 'd1', 'd2']) inputs[k].data.forEach((v, i, a) => (a[i] = v * 0.5));
  const weights = ['c1', 'c2', 'd1', 'd2'];
  const biases = ['b1', 'b2', 'e1'];
  const params = (t: Record<string, tf.Tensor>, ws: tf.Tensor[], which: string[]): W => ({ ...t, ...Object.fromEntries(which.map((n, i) => [n, ws[i]])) });
  const errs = await compareBackends(inputs, (t) => {
    const f = (...ws: tf.Tensor[]) => penalty(params(t, ws, weights), t.x);
    return [f(...weights.map((n) => t[n])), ...tf.grads(f)(weights.map((n) => t[n]))];
  });
  expect(errs).toHaveLength(1 + weights.length);
  for (const e of errs) expect(e).toBeLessThan(1e-4);
  // The critic is piecewise linear, so its input gradient moves with the biases only through the leakyRelu masks:
  // the penalty's bias gradient is exactly 0, on wasm as on paper.
  await tf.setBackend('wasm');
  const t = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, tf.tensor(v.data, v.shape)]));
  const gb = tf.grads((...bs: tf.Tensor[]) => penalty(params(t, bs, biases), t.x))(biases.map((n) => t[n]));
  for (const g of gb) expect(Array.from(g.dataSync()).every((v) => v === 0)).toBe(true);
});

test('one step of every workload runs on wasm, and every kernel it used is a wasm kernel', async () => {
  const used = await kernelsUsed(coverageWorkloads());
  expect(unregistered(used, 'wasm')).toEqual([]);
  // The workloads did reach the kernels this backend had to add or replace, and the losses' softplus.
  for (const k of ['BatchMatMul', 'Conv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'LeakyRelu', 'Softplus', 'Transpose', 'Sqrt']) {
    expect(used).toContain(k);
  }
});

/** Runs `steps` training steps of a fresh workload on `backend` and returns its variables afterwards. */
async function trainedVariables(backend: 'wasm' | 'cpu', make: () => Workload, steps: number): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const w = make();
  try {
    for (let i = 0; i < steps; i++) w.step();
    return w.variables().map((v) => v.dataSync() as Float32Array);
  } finally {
    w.dispose();
  }
}

test.each([
  ['the small conv net (conv 3x3 same, conv 4x4 stride 2, dense, Adam)', () => smallConvWorkload({ batch: 2 })],
  ['a MADE (masked dense, exp, Adam)', () => madeWorkload({ batch: 5, inputSize: 7, hidden: 12 })],
])('two training steps of %s end with the same parameters on wasm and on cpu', async (_name, make) => {
  // An integration check of whole steps (Adam's first steps move each weight by about lr * sign(g), so this is not
  // where gradient precision is judged: the kernel and gradient tests above do that).
  const w = await trainedVariables('wasm', make, 2);
  const c = await trainedVariables('cpu', make, 2);
  await tf.setBackend('wasm');
  expect(w.length).toBe(c.length);
  for (let i = 0; i < w.length; i++) expect(relativeError(w[i], c[i])).toBeLessThan(1e-4);
});
