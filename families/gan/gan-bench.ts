/**
 * The GAN runs' training step for `make bench` / gpu-check (ganStep at the run's batch on random images), and the
 * course's reference steps of `dgm bench backends` and the wasm kernel coverage (training/wasm-kernels/coverage.ts),
 * which shared/tools/torch_reference.py times in PyTorch too.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../../runtime/core/random';
import { biasesBeforeBatchNorm, disposeParams, readLosses, readScalar, type Workload } from '../../training/bench/workloads';
import { trainable, type Params } from '../../training/nets/layers';
import { adam } from '../../training/optim/fused-adam';
import type { TrainingBench } from '../family';
import { ganStep, makeAdam, type GanVariant } from './gan-common';
import { gradientPenalty, GP_WEIGHT, nsDiscriminatorLoss, nsGeneratorLoss, wganCriticLoss, wganGeneratorLoss } from './gan-losses';
import { CGAN_DEFAULTS, discriminate, ganDefinition, GanDefinition, generate, initGanParams } from './gan-nets';

function ganWorkload(variant: GanVariant, batch = 64, seed = 1): Workload {
  const { conditional, loss } = variant;
  const def = ganDefinition(conditional ? CGAN_DEFAULTS : {});
  const rng = new Random(seed);
  const { gen, disc } = initGanParams(def, rng);
  const opts = { d: makeAdam(1e-3, 0.5, 0.999), g: makeAdam(1e-3, 0.5, 0.999) };
  const [h, w, c] = def.imageShape;
  const x = rng.fillUniform(new Float32Array(batch * h * w * c), -1, 1);
  const k = def.config.numClasses;
  const labels = Int32Array.from({ length: batch }, (_, i) => i % Math.max(k, 1));
  const dz = def.config.dimZ;
  return {
    title: `${variant.name} training step (D then G, Adam), batch ${batch}`,
    rows: batch,
    variables: () => [...trainable(gen), ...trainable(disc)],
    step: () =>
      readLosses(
        tf.tidy(() =>
          ganStep(
            def, gen, disc, opts, loss,
            tf.tensor4d(x, [batch, h, w, c]),
            conditional ? tf.tensor1d(labels, 'int32') : null,
            tf.tensor2d(rng.fillNormal(new Float32Array(batch * dz)), [batch, dz]),
            loss === 'wgan-gp' ? tf.tensor1d(rng.fillUniform(new Float32Array(batch))) : null,
            GP_WEIGHT,
          ),
        ),
      ),
    dispose: () => {
      opts.d.dispose();
      opts.g.dispose();
      disposeParams(gen, disc);
    },
  };
}

export function ganBench(variants: readonly GanVariant[]): Record<string, TrainingBench> {
  const out: Record<string, TrainingBench> = {};
  for (const v of variants) {
    out[v.name] = {
      workload: (batch) => ganWorkload(v, batch),
      // The course GAN is gpu-check's GAN row (gan and wgan-gp share its networks).
      ...(v.name === 'gan' ? { gpuCheck: { batch: 64, softwareBatch: 8 } } : {}),
      structurallyZero: () => biasesBeforeBatchNorm(ganDefinition(v.conditional ? CGAN_DEFAULTS : {}).generator.stack),
    };
  }
  return out;
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
  const [h, w, c] = def.imageShape;
  const real = tf.tensor4d(rng.fillUniform(new Float32Array(n * h * w * c), -1, 1), [n, h, w, c]);
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
