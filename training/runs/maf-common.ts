/**
 * What the two MAF runs (maf-moons, maf-fmnist) share: the checkpoint config layout, the optimizer (Adam with
 * PyTorch's coupled weight decay), one training step, and batched log-likelihood evaluation.
 *
 * Checkpoint contract (read by export): kind 'maf'; config = { maf: MafConfig, data: {...}, train: {...} };
 * `mafDefinition(config.maf)` rebuilds the network, `config.data` says which coordinates x is in.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Params, trainable } from '../nets/layers';
import { MafConfig, MafDefinition, mafDefinition, mafLogProbRows } from '../nets/maf';
import { l2Penalty, mafTrainingLoss } from '../losses/flow-losses';
import { adam, FusedAdamOptimizer } from '../optim/fused-adam';
import { LrScheduleKind } from '../optim/lr-schedule';

export const MAF_KIND = 'maf';

export interface MafRunConfig {
  maf: MafConfig;
  data: Record<string, unknown>;
  /** lrSchedule/lrDecaySteps only when the schedule is not constant (older checkpoints have neither). */
  train: { lr: number; weightDecay: number; batch: number; init?: string; lrSchedule?: LrScheduleKind; lrDecaySteps?: number };
}

/** The MAF definition stored in a checkpoint written by a MAF run (kind 'maf'). */
export function mafDefinitionFromRunConfig(config: unknown): MafDefinition {
  const maf = (config as { maf?: MafConfig } | null)?.maf;
  if (!maf || typeof maf !== 'object') throw new Error(`MAF checkpoint config: expected { maf: { inputSize, hiddenSize, nHidden, nFlows } }, got ${JSON.stringify(config)}`);
  return mafDefinition(maf);
}

/** Adam with PyTorch's defaults (eps 1e-8; tfjs would use 1e-7). */
export function mafOptimizer(lr: number): FusedAdamOptimizer {
  if (!(lr > 0)) throw new Error(`learning rate must be > 0, got ${lr}`);
  return adam(lr, 0.9, 0.999, 1e-8);
}

/**
 * One Adam step on -mean log p(x) + 0.5 wd ||theta||^2; returns the batch NLL without the penalty (nats per
 * example), as a scalar tensor. Runs inside the harness's tidy.
 */
export function mafTrainStep(def: MafDefinition, params: Params, opt: tf.Optimizer, x: tf.Tensor2D, weightDecay: number): tf.Scalar {
  const vars = trainable(params);
  // The penalty before the update is the one the loss contained: subtracting it leaves the batch NLL exactly.
  const penalty = l2Penalty(params, weightDecay);
  const loss = opt.minimize(() => mafTrainingLoss(def, params, x, weightDecay).loss, true, vars);
  if (!loss) throw new Error('optimizer returned no loss');
  return tf.sub(loss, penalty) as tf.Scalar;
}

/** Mean log p over rows ([N*D] row-major), float64 accumulation. */
export function meanLogProb(def: MafDefinition, params: Params, rows: Float32Array, batch = 2000): number {
  const lp = mafLogProbRows(def, params, rows, batch);
  let s = 0;
  for (const v of lp) s += v;
  return s / lp.length;
}
