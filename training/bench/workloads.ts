/**
 * Training steps to time on each backend (`dgm bench backends`) and to list the kernels our models need
 * (training/wasm-kernels/coverage.ts). Each workload builds its model on the current tfjs backend from the project's
 * own definitions (training/nets), draws its inputs from the seeded Random, and runs one full step per `step()` call:
 * forward, backward, optimizer update, finishing with a read of the loss so asynchronous backends are timed too.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../../runtime/core/random';
import { gradientPenalty, nsDiscriminatorLoss, nsGeneratorLoss, wganCriticLoss, wganGeneratorLoss, GP_WEIGHT } from '../../families/gan/gan-losses';
import { mafNll } from '../../families/maf/flow-losses';
import { discriminate, ganDefinition, GanDefinition, generate, headStack, initGanParams } from '../../families/gan/gan-nets';
import { applyStack, initParams, Params, Stack, trainable } from '../nets/layers';
import { madeDefinition, madeInverse } from '../../families/maf/made';
import { initMafParams, mafDefinition } from '../../families/maf/maf';
import { adam } from '../optim/fused-adam';

export interface Workload {
  /** What one step is, for the printed table. */
  title: string;
  /** Examples per step (for rows/s). */
  rows: number;
  /** One step, its loss read back; a Promise where the backend reads only asynchronously (webgpu in Node). */
  step(): void | Promise<void>;
  /** The trained variables, in a fixed order (tests compare them across backends). */
  variables(): tf.Variable[];
  dispose(): void;
}

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

function readScalar(t: tf.Tensor | null): void {
  if (!t) throw new Error('optimizer.minimize returned no loss');
  t.dataSync();
  t.dispose();
}

/** A small conv classifier-shaped net (conv 3x3 same, conv 4x4 stride 2, dense) on 16x16 inputs: cheap enough
 *  for the plain-JS cpu backend, and it exercises both conv gradients and the matMul gradients. */
export function smallConvWorkload(opts: { batch?: number; seed?: number } = {}): Workload {
  const n = opts.batch ?? 16;
  const rng = new Random(opts.seed ?? 1);
  const stack: Stack = [
    { kind: 'conv2d', name: 'bench.small.conv1', inChannels: 1, filters: 8, kernel: 3, stride: 1, padding: 1 },
    { kind: 'relu' },
    { kind: 'conv2d', name: 'bench.small.conv2', inChannels: 8, filters: 16, kernel: 4, stride: 2, padding: 1 },
    { kind: 'leakyRelu', alpha: 0.1 },
    { kind: 'reshape', shape: [8 * 8 * 16] },
    { kind: 'dense', name: 'bench.small.fc', inFeatures: 8 * 8 * 16, units: 10 },
  ];
  const params = initParams(stack, rng);
  const x = tf.tensor4d(rng.fillUniform(new Float32Array(n * 16 * 16), -1, 1), [n, 16, 16, 1]);
  const target = tf.tensor2d(rng.fillNormal(new Float32Array(n * 10)), [n, 10]);
  const opt = adam(1e-3);
  return {
    title: `small conv net (conv3x3 1->8, conv4x4/2 8->16, dense 1024->10), batch ${n}`,
    rows: n,
    step: () => readScalar(opt.minimize(() => tf.mean(tf.square(tf.sub(applyStack(stack, params, x, { training: true }), target))) as tf.Scalar, true, trainable(params))),
    variables: () => trainable(params),
    dispose: () => {
      opt.dispose();
      tf.dispose([x, target]);
      disposeParams(params);
    },
  };
}

interface GanSetup {
  def: GanDefinition;
  gen: Params;
  disc: Params;
  rng: Random;
  real: tf.Tensor4D;
  noise(): tf.Tensor2D;
  dispose(): void;
}

function ganSetup(n: number, seed: number): GanSetup {
  const rng = new Random(seed);
  const def = ganDefinition();
  const { gen, disc } = initGanParams(def, rng);
  // Stands in for a batch of Fashion-MNIST scaled to [-1, 1]: timing does not depend on the values.
  const real = tf.tensor4d(rng.fillUniform(new Float32Array(n * 28 * 28), -1, 1), [n, 28, 28, 1]);
  return {
    def, gen, disc, rng, real,
    noise: () => tf.tensor2d(rng.fillNormal(new Float32Array(n * def.config.dimZ)), [n, def.config.dimZ]),
    dispose: () => {
      real.dispose();
      disposeParams(gen, disc);
    },
  };
}

/** The course GAN (families/gan/gan-nets.ts defaults), non-saturating loss: one D step then one G step, Adam
 *  (lr 1e-3, betas 0.5/0.999) — the same step as shared/tools/torch_reference.py `course_gan_train_step_b64`. */
export function courseGanWorkload(opts: { batch?: number; seed?: number } = {}): Workload {
  const n = opts.batch ?? 64;
  const s = ganSetup(n, opts.seed ?? 2);
  const optD = adam(1e-3, 0.5, 0.999);
  const optG = adam(1e-3, 0.5, 0.999);
  const discVars = trainable(s.disc);
  const genVars = trainable(s.gen);
  return {
    title: `course GAN training step (one D + one G step, non-saturating, Adam), batch ${n}`,
    rows: n,
    step: () => {
      const z1 = s.noise();
      const fake = generate(s.def, s.gen, z1, null, { training: true });
      readScalar(optD.minimize(() => nsDiscriminatorLoss(discriminate(s.def, s.disc, s.real, null), discriminate(s.def, s.disc, fake, null)), true, discVars));
      const z2 = s.noise();
      readScalar(optG.minimize(() => nsGeneratorLoss(discriminate(s.def, s.disc, generate(s.def, s.gen, z2, null, { training: true }), null)), true, genVars));
      tf.dispose([z1, z2, fake]);
    },
    variables: () => [...genVars, ...discVars],
    dispose: () => {
      optD.dispose();
      optG.dispose();
      s.dispose();
    },
  };
}

/** WGAN-GP on the same networks: one critic step with the gradient penalty (a gradient of a gradient through
 *  conv2d, leakyRelu and dense) and one generator step. */
export function wganGpWorkload(opts: { batch?: number; seed?: number } = {}): Workload {
  const n = opts.batch ?? 64;
  const s = ganSetup(n, opts.seed ?? 3);
  const optD = adam(1e-4, 0, 0.9);
  const optG = adam(1e-4, 0, 0.9);
  const critic = (x: tf.Tensor) => discriminate(s.def, s.disc, x as tf.Tensor4D, null);
  return {
    title: `WGAN-GP step (critic with gradient penalty + generator), batch ${n}`,
    rows: n,
    step: () => {
      const z1 = s.noise();
      const fake = generate(s.def, s.gen, z1, null, { training: true });
      const alpha = tf.tensor1d(s.rng.fillUniform(new Float32Array(n)));
      readScalar(optD.minimize(() => tf.add(wganCriticLoss(critic(s.real), critic(fake)), tf.mul(gradientPenalty(critic, s.real, fake, alpha), GP_WEIGHT)) as tf.Scalar, true, trainable(s.disc)));
      const z2 = s.noise();
      readScalar(optG.minimize(() => wganGeneratorLoss(critic(generate(s.def, s.gen, z2, null, { training: true }))), true, trainable(s.gen)));
      tf.dispose([z1, z2, fake, alpha]);
    },
    variables: () => [...trainable(s.gen), ...trainable(s.disc)],
    dispose: () => {
      optD.dispose();
      optG.dispose();
      s.dispose();
    },
  };
}

/** Generator inference (batch norm in eval mode), like torch_reference.py `course_generator_b256`. */
export function generatorInferenceWorkload(opts: { batch?: number; seed?: number } = {}): Workload {
  const n = opts.batch ?? 256;
  const s = ganSetup(1, opts.seed ?? 4);
  return {
    title: `course generator inference, batch ${n}`,
    rows: n,
    step: () => {
      const z = tf.tensor2d(s.rng.fillNormal(new Float32Array(n * s.def.config.dimZ)), [n, s.def.config.dimZ]);
      const x = generate(s.def, s.gen, z, null, { training: false });
      x.dataSync();
      tf.dispose([z, x]);
    },
    variables: () => trainable(s.gen),
    dispose: () => s.dispose(),
  };
}

/** One MADE (masked dense D-H-H-2D, ReLU) as a Gaussian autoregressive density: loss = -mean_i [sum_d log N(z_id)
 *  - sum_d alpha_id], Adam lr 1e-3 — torch_reference.py `made784_train_step_b256`. */
export function madeWorkload(opts: { batch?: number; seed?: number; inputSize?: number; hidden?: number; train?: boolean } = {}): Workload {
  const n = opts.batch ?? 256;
  const d = opts.inputSize ?? 784;
  const h = opts.hidden ?? 1024;
  const train = opts.train ?? true;
  const rng = new Random(opts.seed ?? 5);
  const made = madeDefinition({ inputSize: d, hiddenSize: h, nHidden: 2 }, 'bench.made');
  const params = initParams(made.stack, rng);
  const x = tf.tensor2d(rng.fillNormal(new Float32Array(n * d)), [n, d]);
  const opt = adam(1e-3);
  const meanLogProb = () => {
    const { z, logDet } = madeInverse(made, params, x);
    const logN = tf.sub(tf.mul(tf.sum(tf.square(z), 1), -0.5), d * LOG_SQRT_2PI);
    return tf.mean(tf.add(logN, logDet)) as tf.Scalar;
  };
  return {
    title: train
      ? `MADE ${d}-${h}-${h}-${2 * d} training step (masked dense, Adam), batch ${n}`
      : `MADE ${d}-${h}-${h}-${2 * d} log-density pass, batch ${n}`,
    rows: n,
    step: () => {
      if (train) readScalar(opt.minimize(() => tf.neg(meanLogProb()) as tf.Scalar, true, trainable(params)));
      else readScalar(tf.tidy(meanLogProb));
    },
    variables: () => trainable(params),
    dispose: () => {
      opt.dispose();
      x.dispose();
      disposeParams(params);
    },
  };
}

/** A 2-flow MAF training step with weight decay (permutations, Adam's coupled weight decay): the flows' own loss. */
export function mafWorkload(opts: { batch?: number; seed?: number; inputSize?: number; hidden?: number } = {}): Workload {
  const n = opts.batch ?? 8;
  const d = opts.inputSize ?? 6;
  const rng = new Random(opts.seed ?? 6);
  const def = mafDefinition({ inputSize: d, hiddenSize: opts.hidden ?? 16, nHidden: 2, nFlows: 2 });
  const params = initMafParams(def, rng);
  const x = tf.tensor2d(rng.fillNormal(new Float32Array(n * d)), [n, d]);
  const opt = adam(1e-3, 0.9, 0.999, 1e-8, 1e-4);
  return {
    title: `MAF (2 flows, D ${d}) training step with weight decay, batch ${n}`,
    rows: n,
    step: () => readScalar(opt.minimize(() => mafNll(def, params, x), true, trainable(params))),
    variables: () => trainable(params),
    dispose: () => {
      opt.dispose();
      x.dispose();
      disposeParams(params);
    },
  };
}

/** The discriminator stack of the course GAN as one list (trunk then head), for callers that apply it directly. */
export function courseDiscriminatorStack(def: GanDefinition): Stack {
  return [...def.discriminator.trunk, ...headStack(def.discriminator.head)];
}

export function disposeParams(...maps: Params[]): void {
  for (const m of maps) for (const v of m.values()) v.dispose();
}

/** Reads the losses back (so a step is timed to completion) and disposes them; asynchronously on webgpu, whose
 *  Node backend has no synchronous read. */
export function readLosses(out: Record<string, tf.Scalar | number>): void | Promise<void> {
  const ts = Object.values(out).filter((v): v is tf.Scalar => v instanceof tf.Tensor);
  if (tf.getBackend() === 'webgpu') return Promise.all(ts.map((t) => t.data())).then(() => tf.dispose(ts));
  for (const t of ts) t.dataSync();
  tf.dispose(ts);
}

/**
 * Biases that a batch norm follows (in training mode it subtracts the batch mean, so their gradient is exactly 0 on
 * paper): what a backend computes for them is rounding noise, which Adam's first steps turn into +-lr moves.
 */
export function biasesBeforeBatchNorm(stack: Stack): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < stack.length; i++) {
    const l = stack[i];
    if (stack[i + 1].kind === 'batchNorm' && 'name' in l && (l.kind === 'dense' || l.kind === 'conv2d')) out.push(`${l.name}.bias`);
  }
  return out;
}
