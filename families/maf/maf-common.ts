/**
 * What the two MAF runs (maf-moons, maf-fmnist) share: the checkpoint config layout, the optimizer (Adam with
 * PyTorch's coupled weight decay), one training step, and batched log-likelihood evaluation.
 *
 * Checkpoint contract (read by export): kind 'maf'; config = { maf: MafConfig, data: {...}, train: {...} };
 * `mafDefinitionFromRunConfig(config)` rebuilds the network, `config.data` says which coordinates x is in.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Params, trainable } from '../../training/nets/layers';
import { MafConfig, MafDefinition, mafDefinition, mafLogProbRows } from './maf';
import { mafNll } from './flow-losses';
import { adam, FusedAdamOptimizer } from '../../training/optim/fused-adam';
import { LrScheduleKind } from '../../training/optim/lr-schedule';

export const MAF_KIND = 'maf';

export interface MafRunConfig {
  maf: MafConfig;
  data: Record<string, unknown>;
  /** lrSchedule/lrDecaySteps only when the schedule is not constant (older checkpoints have neither). */
  /** mirror: the classes whose training images are mirrored left-right with probability 1/2 (absent: none). */
  train: { lr: number; weightDecay: number; batch: number; init?: string; lrSchedule?: LrScheduleKind; lrDecaySteps?: number; mirror?: readonly number[] };
}

/** The MAF definition stored in a checkpoint written by a MAF run (kind 'maf'). */
export function mafDefinitionFromRunConfig(config: unknown): MafDefinition {
  const maf = (config as { maf?: MafConfig } | null)?.maf;
  if (!maf || typeof maf !== 'object') throw new Error(`MAF checkpoint config: expected { maf: { inputSize, hiddenSize, nHidden, nFlows } }, got ${JSON.stringify(config)}`);
  return mafDefinition(maf);
}

/** Adam with PyTorch's defaults (eps 1e-8; tfjs would use 1e-7) and PyTorch's coupled weight decay. */
export function mafOptimizer(lr: number, weightDecay: number): FusedAdamOptimizer {
  if (!(lr > 0)) throw new Error(`learning rate must be > 0, got ${lr}`);
  if (!(weightDecay >= 0)) throw new Error(`weight decay must be >= 0, got ${weightDecay}`);
  return adam(lr, 0.9, 0.999, 1e-8, weightDecay);
}

/**
 * One Adam step on -mean log p(x) (the optimizer adds the weight decay to the gradients); returns the batch NLL
 * (nats per example) as a scalar tensor. Runs inside the harness's tidy.
 */
export function mafTrainStep(def: MafDefinition, params: Params, opt: tf.Optimizer, x: tf.Tensor2D): tf.Scalar {
  const loss = opt.minimize(() => mafNll(def, params, x), true, trainable(params));
  if (!loss) throw new Error('optimizer returned no loss');
  return loss;
}

/** Mean log p over rows ([N*D] row-major), float64 accumulation. */
export async function meanLogProb(def: MafDefinition, params: Params, rows: Float32Array, batch = 2000): Promise<number> {
  const lp = await mafLogProbRows(def, params, rows, batch);
  let s = 0;
  for (const v of lp) s += v;
  return s / lp.length;
}
