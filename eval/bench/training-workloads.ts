/**
 * One training step of every model the project trains, built with the runs' own definitions and step functions
 * (gan-common.ts ganStep, maf-common.ts mafTrainStep, the classifier's loss) at the runs' default batch sizes, on
 * random inputs of the right shape (the time of a step does not depend on the pixel values). Each `step()` is one
 * full optimizer step and reads its loss back, so asynchronous backends are timed to completion.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../../runtime/core/random';
import { GP_WEIGHT } from '../../families/gan/gan-losses';
import { classifierDefinition, classify, crossEntropy, initClassifierParams } from '../../families/classifier/classifier';
import { CGAN_DEFAULTS, ganDefinition, initGanParams } from '../../families/gan/gan-nets';
import { Params, trainable } from '../../training/nets/layers';
import { initMafParams, MafConfig, mafDefinition } from '../../families/maf/maf';
import type { Workload } from '../../training/bench/workloads';
import { ganStep, makeAdam } from '../../families/gan/gan-common';
import { mafOptimizer, mafTrainStep } from '../../families/maf/maf-common';
import { MAF_FMNIST } from './inference-workloads';
import { adam } from '../../training/optim/fused-adam';

export const TRAINING_MODELS = ['gan', 'cgan', 'wgan-gp', 'maf-moons', 'maf-fmnist', 'classifier'] as const;
export type TrainingModel = (typeof TRAINING_MODELS)[number];

const MAF_MOONS: MafConfig = { inputSize: 2, hiddenSize: 100, nHidden: 1, nFlows: 5 };

function disposeAll(...maps: Params[]): void {
  for (const m of maps) for (const v of m.values()) v.dispose();
}

/** Reads the losses back (so a step is timed to completion) and disposes them; asynchronously on webgpu, whose
 *  Node backend has no synchronous read. */
function readLosses(out: Record<string, tf.Scalar | number>): void | Promise<void> {
  const ts = Object.values(out).filter((v): v is tf.Scalar => v instanceof tf.Tensor);
  if (tf.getBackend() === 'webgpu') return Promise.all(ts.map((t) => t.data())).then(() => tf.dispose(ts));
  for (const t of ts) t.dataSync();
  tf.dispose(ts);
}

function ganWorkload(model: 'gan' | 'cgan' | 'wgan-gp', batch = 64, seed = 1): Workload {
  const conditional = model === 'cgan';
  const loss = model === 'wgan-gp' ? 'wgan-gp' : 'non-saturating';
  const def = ganDefinition(conditional ? CGAN_DEFAULTS : {});
  const rng = new Random(seed);
  const { gen, disc } = initGanParams(def, rng);
  const opts = { d: makeAdam(1e-3, 0.5, 0.999), g: makeAdam(1e-3, 0.5, 0.999) };
  const x = rng.fillUniform(new Float32Array(batch * 784), -1, 1);
  const labels = Int32Array.from({ length: batch }, (_, i) => i % 10);
  const dz = def.config.dimZ;
  return {
    title: `${model} training step (D then G, Adam), batch ${batch}`,
    rows: batch,
    variables: () => [...trainable(gen), ...trainable(disc)],
    step: () =>
      readLosses(
        tf.tidy(() =>
          ganStep(
            def, gen, disc, opts, loss,
            tf.tensor4d(x, [batch, 28, 28, 1]),
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
      disposeAll(gen, disc);
    },
  };
}

function mafWorkload(model: 'maf-moons' | 'maf-fmnist', batch = 100, seed = 2): Workload {
  const config = model === 'maf-moons' ? MAF_MOONS : MAF_FMNIST;
  const def = mafDefinition(config);
  const rng = new Random(seed);
  const params = initMafParams(def, rng);
  const opt = mafOptimizer(1e-4, 1e-6);
  const x = rng.fillNormal(new Float32Array(batch * config.inputSize));
  return {
    title: `${model} training step (${config.nFlows} flows, MADE hidden ${config.hiddenSize} x ${config.nHidden}, Adam + weight decay), batch ${batch}`,
    rows: batch,
    variables: () => trainable(params),
    step: () => readLosses({ nll: tf.tidy(() => mafTrainStep(def, params, opt, tf.tensor2d(x, [batch, config.inputSize]))) }),
    dispose: () => {
      opt.dispose();
      disposeAll(params);
    },
  };
}

function classifierWorkload(batch = 128, seed = 3): Workload {
  const def = classifierDefinition();
  const rng = new Random(seed);
  const params = initClassifierParams(def, rng);
  const opt = adam(1e-3, 0.9, 0.999, 1e-8);
  const x = rng.fillUniform(new Float32Array(batch * 784), -1, 1);
  const y = Int32Array.from({ length: batch }, (_, i) => i % 10);
  const vars = trainable(params);
  return {
    title: `classifier training step (Adam), batch ${batch}`,
    rows: batch,
    variables: () => vars,
    step: () =>
      readLosses({
        loss: tf.tidy(() => opt.minimize(() => crossEntropy(classify(def, params, tf.tensor4d(x, [batch, 28, 28, 1]), { training: true }).logits, tf.tensor1d(y, 'int32')), true, vars)!),
      }),
    dispose: () => {
      opt.dispose();
      disposeAll(params);
    },
  };
}

/** One step of `model` at its run's batch size, or at `batch` (tests use small ones). */
export function trainingWorkload(model: TrainingModel, batch?: number): Workload {
  switch (model) {
    case 'gan':
    case 'cgan':
    case 'wgan-gp':
      return ganWorkload(model, batch);
    case 'maf-moons':
    case 'maf-fmnist':
      return mafWorkload(model, batch);
    case 'classifier':
      return classifierWorkload(batch);
  }
}
