/** The MAF runs' training step for `make bench` / gpu-check: mafTrainStep at the run's default network and batch. */
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../../runtime/core/random';
import { disposeParams, readLosses, type Workload } from '../../training/bench/workloads';
import { trainable } from '../../training/nets/layers';
import type { TrainingBench } from '../family';
import { initMafParams, MafConfig, mafDefinition } from './maf';
import { mafOptimizer, mafTrainStep } from './maf-common';
import { MAF_FMNIST_DEFAULTS } from './maf-fmnist';
import { MAF_MOONS_DEFAULTS } from './maf-moons';

function mafWorkload(run: string, config: MafConfig, batch = 100, seed = 2): Workload {
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
  'maf-moons': { workload: (batch) => mafWorkload('maf-moons', config(2, MAF_MOONS_DEFAULTS), batch), onCpu: true },
  'maf-fmnist': { workload: (batch) => mafWorkload('maf-fmnist', config(784, MAF_FMNIST_DEFAULTS), batch), gpuCheck: { batch: 100, softwareBatch: 10 } },
};
