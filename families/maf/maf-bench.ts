/**
 * The MAF runs' training step for `make bench` / gpu-check (mafTrainStep at the run's default network and batch),
 * and the MADE and MAF reference steps of `dgm bench backends` and the wasm kernel coverage
 * (training/wasm-kernels/coverage.ts); torch_reference.py times the MADE step in PyTorch too.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../../runtime/core/random';
import { disposeParams, readLosses, readScalar, type Workload } from '../../training/bench/workloads';
import { initParams, trainable } from '../../training/nets/layers';
import { adam } from '../../training/optim/fused-adam';
import { mafNll } from './flow-losses';
import { madeDefinition, madeInverse } from './made';
import type { TrainingBench } from '../family';
import { initMafParams, MafConfig, mafDefinition } from './maf';
import { mafOptimizer, mafTrainStep } from './maf-common';
import { MAF_FMNIST_DEFAULTS } from './maf-fmnist';
import { MAF_MOONS_DEFAULTS } from './maf-moons';

function mafRunWorkload(run: string, config: MafConfig, batch = 100, seed = 2): Workload {
  const def = mafDefinition(config);
  const rng = new Random(seed);
  const params = initMafParams(def, rng);
  const opt = mafOptimizer(1e-4, 1e-6);
  const x = rng.fillNormal(new Float32Array(batch * config.inputSize));
  return {
    title: `${run} training step (${config.nFlows} flows, MADE hidden ${config.hiddenSize} x ${config.nHidden}, Adam + weight decay), batch ${batch}`,
    rows: batch,
    variables: () => trainable(params),
    step: () => readLosses({ nll: tf.tidy(() => mafTrainStep(def, params, opt, tf.tensor2d(x, [batch, config.inputSize]))) }),
    dispose: () => {
      opt.dispose();
      disposeParams(params);
    },
  };
}

const config = (inputSize: number, d: { hidden: number; nHidden: number; flows: number }): MafConfig => ({ inputSize, hiddenSize: d.hidden, nHidden: d.nHidden, nFlows: d.flows });

export const MAF_BENCH: Record<string, TrainingBench> = {
  'maf-moons': { workload: (batch) => mafRunWorkload('maf-moons', config(2, MAF_MOONS_DEFAULTS), batch), onCpu: true },
  'maf-fmnist': { workload: (batch) => mafRunWorkload('maf-fmnist', config(784, MAF_FMNIST_DEFAULTS), batch), gpuCheck: { batch: 100, softwareBatch: 10 } },
};

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

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
