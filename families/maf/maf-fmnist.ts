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
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../../runtime/core/random';
import { gatherRows } from '../../training/data/batches';
import { loadFashionMnist } from '../../training/data/fashion-mnist';
import { DEFAULT_LOGIT_LAMBDA, logit, logitInverse } from '../../training/data/logit';
import { MIRRORABLE_CLASSES, mirrorDraw, mirrorRows } from '../../training/data/mirror';
import { toUnitDequantized } from '../../training/data/pixels';
import { writeFileAtomic } from '../../training/harness/atomic-write';
import { evalSet as pixelEvalSet, pixelLikelihood, type EvalSet, type LikelihoodReport } from '../../training/harness/pixel-likelihood';
import { loadParams, readCheckpoint } from '../../training/harness/checkpoint';
import { writeImageGrid } from '../../training/harness/image-grid';
import { BEST_FILE, METRICS_FILE, runTraining, STREAM_INIT, type TrainingResult } from '../../training/harness/loop';
import { appendMetrics, makeRecord } from '../../training/harness/metrics-log';
import { readAndDispose } from '../../training/harness/read';
import { Params } from '../../training/nets/layers';
import { madeUnseenInputs } from './made';
import { initMafParams, MafDefinition, mafIdentityInit, mafLogProbRows, mafSample } from './maf';
import { FusedAdamOptimizer } from '../../training/optim/fused-adam';
import { learningRateAt, LrSchedule, parseLrSchedule } from '../../training/optim/lr-schedule';
import { MAF_KIND, MafRunConfig, mafDefinitionFromRunConfig, mafOptimizer, mafTrainStep } from './maf-common';
import { readSettings, type RunDefinition, type TrainFlags } from '../../training/harness/runs';

const D = 784;

export const MAF_FMNIST_DEFAULTS = {
  /** At least D - 1 = 783: hidden degrees are k mod (D-1), and with fewer units the higher pixels reach no output
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
  /** 1: mirror training images left-right with probability 1/2, footwear excepted (training/data/mirror.ts); 0: never.
   *  It delays the overfitting that stopped the S = 6 run (docs/maf-fmnist.md). */
  mirror: 1,
  lambda: DEFAULT_LOGIT_LAMBDA,
  /** Images held out of the 60000 for validation. */
  valSize: 10000,
  /** Use only the first n training / evaluation images (0: all); for quick trials and tests. */
  nTrain: 0,
  nEval: 0,
  /** Epochs between sample grids, and grid size. */
  plotEvery: 2,
  samples: 36,
  dataSeed: 0,
};
// Sized to train in about an hour on a 2-core machine on 2 wasm threads (epoch times and what longer or shorter runs
// gave: docs/maf-fmnist.md, docs/benchmarks.md).
const DEFAULT_EPOCHS = 32;
const DEFAULT_BATCH = 100;
const FIGURE_SEED = 4321;
const STREAM_VAL_NOISE = 0x76616c;
const STREAM_TEST_NOISE = 0x74657374;

export interface MafFmnistResult extends TrainingResult {
  test: LikelihoodReport | null;
  secondsPerEpoch: number | null;
}

/** The evaluation set of maf-fmnist's D pixels (training/harness/pixel-likelihood.ts). */
export function evalSet(images: Uint8Array, rng: Random, lambda: number): EvalSet {
  return pixelEvalSet(images, D, rng, lambda);
}

/** Data-space likelihood of an evaluation set (see the header for the formulas). */
export function likelihoodOf(def: MafDefinition, params: Params, set: EvalSet): Promise<LikelihoodReport> {
  return pixelLikelihood((rows, batch) => mafLogProbRows(def, params, rows, batch), D, set);
}

async function writeSamples(file: string, def: MafDefinition, params: Params, n: number, lambda: number): Promise<void> {
  const y = await readAndDispose(tf.tidy(() => mafSample(def, params, n, FIGURE_SEED)));
  const x = logitInverse(y, lambda);
  writeImageGrid(file, x, [n, 28, 28], { range: [0, 1], scale: 2 });
}

export async function trainMafFmnist(flags: TrainFlags): Promise<MafFmnistResult> {
  const s = readSettings(flags.set, MAF_FMNIST_DEFAULTS, { hidden: 'int>=1', nHidden: 'int>=1', flows: 'int>=1', lr: '>0', weightDecay: '>=0', logScaleBound: '>=0', conditionerBound: '>=0', valSize: 'int>=1', nTrain: 'int>=0', nEval: 'int>=0', plotEvery: 'int>=0', samples: 'int>=0', dataSeed: 'int>=0' });
  if (s.ordering !== 'sequential' && s.ordering !== 'random') throw new Error(`--set ordering=${s.ordering}: expected sequential or random`);
  if (!(Number.isFinite(s.logScaleBound) && s.logScaleBound >= 0)) throw new Error(`--set logScaleBound=${s.logScaleBound}: expected 0 (unbounded) or a positive number`);
  if (!(Number.isFinite(s.conditionerBound) && s.conditionerBound >= 0)) throw new Error(`--set conditionerBound=${s.conditionerBound}: expected 0 (none) or a positive number`);
  if (s.mirror !== 0 && s.mirror !== 1) throw new Error(`--set mirror=${s.mirror}: expected 0 or 1`);
  for (const k of ['valSize', 'nTrain', 'nEval', 'plotEvery', 'samples'] as const) {
    if (!Number.isInteger(s[k]) || s[k] < 0) throw new Error(`--set ${k}=${s[k]}: expected a non-negative integer`);
  }
  const trainSplit = await loadFashionMnist({ dir: flags.data, split: 'train' });
  const testSplit = await loadFashionMnist({ dir: flags.data, split: 'test' });
  if (s.valSize >= trainSplit.n) throw new Error(`--set valSize=${s.valSize}: must be below the ${trainSplit.n} training images`);
  const order = new Random(s.dataSeed).permutation(trainSplit.n);
  const nVal = s.nEval > 0 ? Math.min(s.nEval, s.valSize) : s.valSize;
  const nTrainAll = trainSplit.n - s.valSize;
  const nTrain = s.nTrain > 0 ? Math.min(s.nTrain, nTrainAll) : nTrainAll;
  const trainImages = gatherRows(trainSplit.images, D, order.subarray(s.valSize, s.valSize + nTrain));
  const trainLabels = gatherRows(trainSplit.labels, 1, order.subarray(s.valSize, s.valSize + nTrain));
  const valImages = gatherRows(trainSplit.images, D, order.subarray(0, nVal));
  const nTest = s.nEval > 0 ? Math.min(s.nEval, testSplit.n) : testSplit.n;
  const testImages = testSplit.images.subarray(0, nTest * D);
  const batch = flags.batch ?? DEFAULT_BATCH;
  const lrSchedule = parseLrSchedule(String(s.lrSchedule));
  const totalSteps = flags.steps ?? (flags.epochs ?? DEFAULT_EPOCHS) * Math.ceil(nTrain / batch);

  const config: MafRunConfig = {
    maf: {
      inputSize: D,
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
      nVal,
      nTest,
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
    console.error(`maf-fmnist: warning: hidden ${s.hidden} < ${D - 1} = D-1, so ${unseen} of the ${D} pixels are seen by no output of a MADE (hidden degrees are k mod (D-1)); use --set hidden=${D - 1} or more`);
  }
  const def = mafDefinitionFromRunConfig(config);
  const params = initMafParams(def, new Random(flags.seed, STREAM_INIT));
  if (s.init === 'identity') mafIdentityInit(def, params);
  else if (s.init !== 'pytorch') throw new Error(`--set init=${s.init}: expected identity or pytorch`);
  const opt = mafOptimizer(s.lr, s.weightDecay);
  try {
    const val = evalSet(valImages, new Random(s.dataSeed, STREAM_VAL_NOISE), s.lambda);
    return await trainAndEvaluate(flags, s, config, def, params, opt, { images: trainImages, labels: trainLabels }, val, () => evalSet(testImages, new Random(s.dataSeed, STREAM_TEST_NOISE), s.lambda));
  } finally {
    opt.dispose();
    for (const v of params.values()) v.dispose();
  }
}

async function trainAndEvaluate(
  flags: TrainFlags,
  s: typeof MAF_FMNIST_DEFAULTS,
  config: MafRunConfig,
  def: MafDefinition,
  params: Params,
  opt: FusedAdamOptimizer,
  train: { images: Uint8Array; labels: Uint8Array },
  val: EvalSet,
  testSet: () => EvalSet,
): Promise<MafFmnistResult> {
  const batch = config.train.batch;
  const nTrain = train.images.length / D;
  const mirror = config.train.mirror;
  const schedule: LrSchedule = { kind: config.train.lrSchedule ?? 'constant', base: config.train.lr, decaySteps: config.train.lrDecaySteps };
  const epochSeconds: number[] = [];
  let epochStart = Date.now();
  const result = await runTraining({
    runDir: flags.runDir,
    kind: MAF_KIND,
    config,
    params,
    optimizers: { adam: opt },
    data: { n: nTrain, batchSize: batch },
    seed: flags.seed,
    epochs: flags.steps === undefined ? flags.epochs ?? DEFAULT_EPOCHS : undefined,
    steps: flags.steps,
    step: ({ batch: idx, rng, step }) => {
      opt.setLearningRate(learningRateAt(schedule, step));
      // Fresh dequantization noise for every use of an image, drawn from the checkpointed stream.
      let pixels = gatherRows(train.images, D, idx);
      if (mirror) pixels = mirrorRows(pixels, mirrorDraw(gatherRows(train.labels, 1, idx), rng, mirror));
      const { y } = logit(toUnitDequantized(pixels, rng), D, s.lambda);
      return { nll: mafTrainStep(def, params, opt, tf.tensor2d(y, [idx.length, D])) };
    },
    onEpochEnd: async ({ epoch, runDir, log }) => {
      const seconds = (Date.now() - epochStart) / 1000;
      epochSeconds.push(seconds);
      const t0 = Date.now();
      const v = await likelihoodOf(def, params, val);
      const e = Math.round(epoch);
      log(`epoch ${e}: val ${v.ll.toFixed(1)} nats/image in [0,1)^784, ${v.bpd.toFixed(4)} bits/dim; ${seconds.toFixed(0)} s of training`);
      if (s.plotEvery > 0 && s.samples > 0 && e % s.plotEvery === 0) await writeSamples(path.join(runDir, `samples-epoch${String(e).padStart(3, '0')}.png`), def, params, s.samples, s.lambda);
      const out = { lr: opt.currentLearningRate, val_ll: v.ll, val_ll_logit: v.llLogit, val_bpd: v.bpd, epoch_seconds: seconds, eval_seconds: (Date.now() - t0) / 1000 };
      epochStart = Date.now();
      return out;
    },
    best: { metric: 'val_bpd', mode: 'min' },
    checkpointEvery: flags.checkpointEvery,
    logEvery: flags.logEvery,
    resume: flags.resume,
    fresh: flags.fresh,
    meta: { run: 'maf-fmnist', backend: flags.backend },
    progress: flags.progress,
    resumeCommand: flags.resumeCommand,
    stopAfterSteps: flags.stopAfterSteps,
  });

  let test: LikelihoodReport | null = null;
  const bestFile = path.join(flags.runDir, BEST_FILE);
  // Ctrl-C asks for a quick exit: the test figures (and, for images, a sample grid of minutes) wait for the run's end.
  if (result.best && result.status !== 'interrupted') {
    loadParams(params, readCheckpoint(bestFile).tensors, bestFile);
    test = await likelihoodOf(def, params, testSet());
    const stepsPerEpoch = Math.ceil(nTrain / batch);
    appendMetrics(path.join(flags.runDir, METRICS_FILE), makeRecord('eval', result.best.step, result.best.step / stepsPerEpoch, { test_ll: test.ll, test_ll_256: test.ll256, test_ll_logit: test.llLogit, test_bpd: test.bpd, test_median_bpd: test.medianBpd, test_lowest_index: test.lowest.index, test_lowest_ll: test.lowest.ll }));
    if (s.samples > 0) await writeSamples(path.join(flags.runDir, 'samples-best.png'), def, params, s.samples, s.lambda);
  }
  const secondsPerEpoch = epochSeconds.length ? epochSeconds.reduce((a, b) => a + b, 0) / epochSeconds.length : null;
  const summary = {
    model: 'maf-fmnist',
    status: result.status,
    bestStep: result.best?.step ?? null,
    bestValBitsPerDim: result.best?.value ?? null,
    test,
    units: 'll: nats per image, x in [0,1)^784; ll256: same on the [0,256)^784 pixel scale; llLogit: logit space; bpd = -ll/(784 ln 2) + 8',
    secondsPerEpochThisProcess: secondsPerEpoch,
    backend: flags.backend,
    config,
  };
  writeFileAtomic(path.join(flags.runDir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  const line = test === null ? '' :
    `\nmaf-fmnist: test ${test.bpd.toFixed(4)} bits/dim; log-likelihood ${test.ll.toFixed(2)} nats/image on [0,1)^784 (${test.ll256.toFixed(2)} on [0,256)^784) (best.ckpt, step ${result.best!.step})` +
    `; median ${test.medianBpd.toFixed(4)} bits/dim, lowest test image #${test.lowest.index} at ${test.lowest.ll.toPrecision(6)} nats` +
    (secondsPerEpoch === null ? '' : `; ${secondsPerEpoch.toFixed(1)} s/epoch of training on ${flags.backend}`);
  return { ...result, message: result.message + line, test, secondsPerEpoch };
}

export const MAF_FMNIST_RUN: RunDefinition = { name: 'maf-fmnist', description: 'MAF on dequantized, logit-transformed Fashion-MNIST; reports test bits/dim', train: trainMafFmnist };
