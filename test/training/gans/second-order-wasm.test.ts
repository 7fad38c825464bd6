/**
 * WGAN-GP needs a gradient of a gradient through the discriminator on the training backend (wasm): convolution
 * input gradients (Conv2DBackpropInput) differentiated again give Conv2DBackpropFilter, our wasm kernel, and the
 * LeakyReLU gradient's comparisons need zero gradients. Checked here on wasm:
 * - the tiny critic's penalty and its parameter gradient against float64 finite differences (as on cpu);
 * - a critic with the discriminator's two-conv layer sequence at 28x28 against the same computation on cpu.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../../../runtime/core/random';
import { initBackend, shutdownBackend } from '../../../training/backend';
import { gradientPenalty } from '../../../families/gan/gan-losses';
import { applyStack, initParams, Stack, trainable } from '../../../training/nets/layers';
import { penaltyParamGradients, penaltyValues } from './gradient-penalty-checks';

afterAll(async () => {
  tf.disposeVariables();
  await shutdownBackend();
});

test('on wasm: the tiny critic penalty and its second-order parameter gradient equal float64 finite differences', async () => {
  await initBackend({ backend: 'wasm', threads: 1, quiet: true });
  expect(tf.getBackend()).toBe('wasm');
  const { project, reference } = penaltyValues(1);
  expect(Math.abs(project - reference)).toBeLessThan(1e-4 * reference);
  const res = penaltyParamGradients(1, 1e-5);
  let scale = 0;
  for (const r of res) for (const v of r.reference) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (const r of res) for (let i = 0; i < r.reference.length; i++) worst = Math.max(worst, Math.abs(r.project[i] - r.reference[i]));
  expect(scale).toBeGreaterThan(0.1);
  expect(worst).toBeLessThan(1e-4 * scale);
  tf.disposeVariables();
});

/**
 * The discriminator trunk's layer sequence at full 28x28 resolution (conv 4x4/2 pad 1, LeakyReLU, conv 4x4/2 pad 1,
 * LeakyReLU, flatten, dense, LeakyReLU, dense) with fewer channels and units, so the cpu reference stays fast.
 */
function narrowDiscriminator(): Stack {
  return [
    { kind: 'conv2d', name: 'nd.conv1', inChannels: 1, filters: 4, kernel: 4, stride: 2, padding: 1 },
    { kind: 'leakyRelu', alpha: 0.1 },
    { kind: 'conv2d', name: 'nd.conv2', inChannels: 4, filters: 8, kernel: 4, stride: 2, padding: 1 },
    { kind: 'leakyRelu', alpha: 0.1 },
    { kind: 'reshape', shape: [7 * 7 * 8] },
    { kind: 'dense', name: 'nd.fc1', inFeatures: 7 * 7 * 8, units: 16 },
    { kind: 'leakyRelu', alpha: 0.1 },
    { kind: 'dense', name: 'nd.out', inFeatures: 16, units: 1 },
  ];
}

/** d GP / d theta for a fixed batch on the current backend. */
function penaltyGrads(): { value: number; grads: Record<string, Float32Array> } {
  const stack = narrowDiscriminator();
  const params = initParams(stack, new Random(21));
  const rng = new Random(22);
  const n = 3;
  const real = tf.tensor4d(rng.fillUniform(new Float32Array(n * 784), -1, 1), [n, 28, 28, 1]);
  const fake = tf.tensor4d(rng.fillUniform(new Float32Array(n * 784), -1, 1), [n, 28, 28, 1]);
  const alpha = tf.tensor1d([0.2, 0.5, 0.9]);
  const critic = (x: tf.Tensor) => tf.reshape(applyStack(stack, params, x, { training: true }), [-1]) as tf.Tensor1D;
  const { value, grads } = tf.variableGrads(() => gradientPenalty(critic, real, fake, alpha), trainable(params));
  const out = { value: value.dataSync()[0], grads: Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, Float32Array.from(g.dataSync())])) };
  tf.dispose([value, real, fake, alpha, ...Object.values(grads)]);
  params.forEach((v) => v.dispose());
  return out;
}

test('on wasm: a two-conv 28x28 critic gives the same penalty gradient as the cpu backend', async () => {
  await initBackend({ backend: 'cpu', quiet: true });
  const cpu = penaltyGrads();
  tf.disposeVariables();
  await initBackend({ backend: 'wasm', threads: 1, quiet: true });
  const wasm = penaltyGrads();
  expect(Math.abs(wasm.value - cpu.value)).toBeLessThan(1e-4 * Math.max(1, cpu.value));
  expect(Object.keys(wasm.grads).sort()).toEqual(Object.keys(cpu.grads).sort());
  for (const name of ['nd.conv1.kernel', 'nd.conv2.kernel', 'nd.fc1.kernel', 'nd.out.kernel']) expect(cpu.grads[name]).toBeDefined();
  for (const [name, g] of Object.entries(cpu.grads)) {
    let scale = 0, worst = 0;
    for (let i = 0; i < g.length; i++) {
      scale = Math.max(scale, Math.abs(g[i]));
      worst = Math.max(worst, Math.abs(g[i] - wasm.grads[name][i]));
    }
    // Biases do not enter grad_x D of a piecewise-linear critic: their gradient is 0 on both backends.
    if (name.endsWith('.kernel')) expect(scale).toBeGreaterThan(1e-3);
    // float32 sums in a different order: relative to the largest entry of the same tensor.
    expect({ name, ok: worst <= 1e-4 * scale }).toEqual({ name, ok: true });
  }
});
