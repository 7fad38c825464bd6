/**
 * `dgm train maf-fmnist`: a MAF on Fashion-MNIST, with the likelihood accounted for in data space.
 *
 * Data path (per image, D = 784):
 *   pixels b in {0..255}  ->  x = (b + u) / 256 in [0,1)^D, u ~ U[0,1) (dequantization: fresh noise every time a
 *   training image is used, from the loop's checkpointed noise stream; fixed noise for val/test)
 *   ->  y = logit(lambda + (1 - 2 lambda) x), lambda = 1e-6 (training/data/logit.ts)  ->  the MAF models y.
 *
 * Log-likelihoods (all natural log, per image):
 *   log p_y(y)            what the flow computes (the training loss is its negative mean: `nll`, logit space)
 *   log p_x(x) = log p_y(y) + sum_i log|dy_i/dx_i|      data space, x in [0,1)^D  (`*_ll`, reported in nats)
 *   log p(x on [0,256)^D) = log p_x(x) - D ln 256       the same density on the 8-bit pixel scale
 *   bits/dim = -log p(x on [0,256)^D) / (D ln 2) = -log p_x(x) / (D ln 2) + 8       (`*_bpd`)
 * The dequantized density's bits/dim bounds the discrete model's code length from above (Theis et al. 2016).
 *
 * Split: the 60000 training images are cut once (fixed permutation, dataSeed) into train (50000) and val (10000);
 * the official 10000 test images are only used at the end, on best.ckpt (lowest val_bpd).
 * Figures: samples-epochNNN.png every `plotEvery` epochs and samples-best.png at the end (a grid of `samples`
 * model samples mapped back to [0,1] through the inverse logit). Sampling is D sequential steps per flow, each a
 * rank-1 update of the first layer and two output columns: a grid of 36 costs a few seconds.
 */
import { Random } from '../../runtime/core/random';
import { MIRRORABLE_CLASSES } from '../../training/data/mirror';
import { STREAM_INIT } from '../../training/harness/loop';
import { evalSet, pixelLikelihood, type EvalSet, type LikelihoodReport } from '../../training/harness/pixel-likelihood';
import { checkPixelFlowSettings, loadPixelData, PIXEL_FLOW_DEFAULTS, PIXEL_FLOW_RULES, trainFlowOnPixels, type PixelFlowResult } from '../../training/harness/pixel-flow';
import { Params } from '../../training/nets/layers';
import { madeUnseenInputs } from './made';
import { initMafParams, MafDefinition, mafIdentityInit, mafLogProbRows, mafSample } from './maf';
import { parseLrSchedule } from '../../training/optim/lr-schedule';
import { MAF_KIND, MafRunConfig, mafDefinitionFromRunConfig, mafOptimizer, mafTrainStep } from './maf-common';
import { readSettings, type RunDefinition, type TrainFlags } from '../../training/harness/runs';

export const MAF_FMNIST_DEFAULTS = {
  /** At least D - 1 (783 for Fashion-MNIST): hidden degrees are k mod (D-1), and with fewer units the higher pixels reach no output
   *  (madeUnseenInputs); 1024 is ~4x the compute per step of 256 and trains to lower bits/dim (docs/maf-fmnist.md). */
  hidden: 1024,
  nHidden: 1,
  flows: 5,
  lr: 1e-3,
  /** 'cosine': from lr down to 0 over the run's steps (fixed when the run starts: resuming with other --epochs
   *  is refused as a config change); 'constant': lr throughout (the runs before the schedule existed). */
  lrSchedule: 'cosine',
  weightDecay: 1e-6,
  ordering: 'sequential',
  /** 'identity': zero MADE output layers (each flow starts as the identity; see mafIdentityInit); 'pytorch': the
   *  default init everywhere (overflows at step 0 on logit pixels with 5 flows). */
  init: 'identity',
  /** B > 0: log-scales B tanh(a / B) (made.ts); 0: unbounded (every run so far). */
  logScaleBound: 0,
  /** S > 0: every MADE's network reads S tanh(h / S) (made.ts conditionerBound); 0: it reads h (the runs before
   *  the 32-epoch default). Without it, longer runs let a few test images own the mean (docs/maf-fmnist.md). */
  conditionerBound: 4,
  /** Mirroring delays the overfitting that stopped the S = 6 run (docs/maf-fmnist.md). */
  ...PIXEL_FLOW_DEFAULTS,
};
// Sized to train in about an hour on a 2-core machine on 2 wasm threads (epoch times and what longer or shorter runs
// gave: docs/maf-fmnist.md, docs/benchmarks.md).
const DEFAULT_EPOCHS = 32;
const DEFAULT_BATCH = 100;

export { evalSet };

/** Data-space likelihood of an evaluation set (see the header for the formulas). */
export function likelihoodOf(def: MafDefinition, params: Params, set: EvalSet): Promise<LikelihoodReport> {
  return pixelLikelihood((rows, batch) => mafLogProbRows(def, params, rows, batch), def.inputSize, set);
}

export async function trainMafFmnist(flags: TrainFlags): Promise<PixelFlowResult> {
  const s = readSettings(flags.set, MAF_FMNIST_DEFAULTS, { hidden: 'int>=1', nHidden: 'int>=1', flows: 'int>=1', lr: '>0', weightDecay: '>=0', logScaleBound: '>=0', conditionerBound: '>=0', ...PIXEL_FLOW_RULES });
  if (s.ordering !== 'sequential' && s.ordering !== 'random') throw new Error(`--set ordering=${s.ordering}: expected sequential or random`);
  if (!(Number.isFinite(s.logScaleBound) && s.logScaleBound >= 0)) throw new Error(`--set logScaleBound=${s.logScaleBound}: expected 0 (unbounded) or a positive number`);
  if (!(Number.isFinite(s.conditionerBound) && s.conditionerBound >= 0)) throw new Error(`--set conditionerBound=${s.conditionerBound}: expected 0 (none) or a positive number`);
  checkPixelFlowSettings(s);
  const data = await loadPixelData(flags, s);
  const { d, nTrain } = data;
  const batch = flags.batch ?? DEFAULT_BATCH;
  const lrSchedule = parseLrSchedule(String(s.lrSchedule));
  const totalSteps = flags.steps ?? (flags.epochs ?? DEFAULT_EPOCHS) * Math.ceil(nTrain / batch);

  const config: MafRunConfig = {
    maf: {
      inputSize: d,
      hiddenSize: s.hidden,
      nHidden: s.nHidden,
      nFlows: s.flows,
      ordering: s.ordering,
      ...(s.ordering === 'random' ? { seed: flags.seed } : {}),
      // Absent when 0, so the unbounded runs' checkpoints keep resuming (their config has no such key).
      ...(s.logScaleBound !== 0 ? { logScaleBound: s.logScaleBound } : {}),
      ...(s.conditionerBound !== 0 ? { conditionerBound: s.conditionerBound } : {}),
    },
    data: {
      dataset: 'fashion-mnist',
      coordinates: 'y = logit(lambda + (1 - 2 lambda) x), x = (pixel + u) / 256, u ~ U[0,1)',
      lambda: s.lambda,
      valSize: s.valSize,
      nTrain,
      nVal: data.nVal,
      nTest: data.nTest,
      seed: s.dataSeed,
    },
    train: {
      lr: s.lr, weightDecay: s.weightDecay, batch, init: s.init,
      ...(lrSchedule === 'constant' ? {} : { lrSchedule, lrDecaySteps: totalSteps }),
      // Absent when off, so earlier runs' checkpoints keep resuming.
      ...(s.mirror === 1 ? { mirror: MIRRORABLE_CLASSES } : {}),
    },
  };
  const unseen = madeUnseenInputs(config.maf);
  if (unseen > 0) {
    console.error(`maf-fmnist: warning: hidden ${s.hidden} < ${d - 1} = D-1, so ${unseen} of the ${d} pixels are seen by no output of a MADE (hidden degrees are k mod (D-1)); use --set hidden=${d - 1} or more`);
  }
  const def = mafDefinitionFromRunConfig(config);
  const params = initMafParams(def, new Random(flags.seed, STREAM_INIT));
  if (s.init === 'identity') mafIdentityInit(def, params);
  else if (s.init !== 'pytorch') throw new Error(`--set init=${s.init}: expected identity or pytorch`);
  const opt = mafOptimizer(s.lr, s.weightDecay);
  try {
    return await trainFlowOnPixels(flags, {
      run: 'maf-fmnist',
      kind: MAF_KIND,
      config,
      params,
      opt,
      trainStep: (y) => mafTrainStep(def, params, opt, y),
      sample: (n, seed) => mafSample(def, params, n, seed),
      logProbRows: (rows, b) => mafLogProbRows(def, params, rows, b),
      epochs: DEFAULT_EPOCHS,
      lambda: s.lambda,
      dataSeed: s.dataSeed,
      plotEvery: s.plotEvery,
      samples: s.samples,
      minutes: 0,
    }, data);
  } finally {
    opt.dispose();
    for (const v of params.values()) v.dispose();
  }
}

export const MAF_FMNIST_RUN: RunDefinition = { name: 'maf-fmnist', description: 'MAF on dequantized, logit-transformed Fashion-MNIST; reports test bits/dim', train: trainMafFmnist };
