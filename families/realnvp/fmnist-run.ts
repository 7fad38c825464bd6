/**
 * `dgm train realnvp-fmnist`: RealNVP with dense couplings on Fashion-MNIST, in maf-fmnist's coordinates so the
 * bits/dim compare: the same split (a fixed permutation of the 60000 training images by dataSeed: 10000 val, 50000
 * train; the official 10000 test images only at the end, on best.ckpt), the same dequantization (fresh noise per
 * use from the loop's stream; fixed val/test noise streams), the same logit lambda, the same left-right mirroring,
 * and the same accounting: bits/dim = -log p_x(x) / (D ln 2) + 8 with log p_x = log p_y(y) + log|dy/dx|
 * (training/runs/maf-fmnist.ts's header has the formulas).
 *
 * Dense couplings rather than convolutional ones: tfjs' wasm conv2d and its gradients on 2 cores cost far more per
 * parameter than the matrix products of a dense conditioner, and an hour of training is the budget.
 *
 * `minutes` caps the wall time of training (0: none): the run stops after the step that crosses it, writes a
 * checkpoint, and still scores best.ckpt on the test set. The cosine schedule runs over the configured epochs, so
 * choose epochs that fit the cap.
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
import { evalSet, pixelLikelihood, type EvalSet, type LikelihoodReport } from '../../training/harness/pixel-likelihood';
import { loadParams, readCheckpoint } from '../../training/harness/checkpoint';
import { writeImageGrid } from '../../training/harness/image-grid';
import { BEST_FILE, METRICS_FILE, runTraining, STREAM_INIT, type TrainingResult } from '../../training/harness/loop';
import { appendMetrics, makeRecord } from '../../training/harness/metrics-log';
import { readAndDispose } from '../../training/harness/read';
import { Params } from '../../training/nets/layers';
import { FusedAdamOptimizer } from '../../training/optim/fused-adam';
import { learningRateAt, LrSchedule, LrScheduleKind, parseLrSchedule } from '../../training/optim/lr-schedule';
import { readSettings, type RunDefinition, type TrainFlags } from '../../training/harness/runs';
import { initRealNvpParams, REALNVP_KIND, RealNvpDefinition, realnvpDefinition, realnvpLogProbRows, realnvpSample } from './definition';
import { realnvpOptimizer, realnvpTrainStep } from './loss';
import type { RealNvpRunConfig } from './moons-run';

// The architecture was chosen by short trials at equal steps (families/realnvp/README.md).
export const REALNVP_FMNIST_DEFAULTS = {
  couplings: 12,
  hidden: 512,
  nHidden: 2,
  logScaleBound: 2,
  lr: 1e-3,
  lrSchedule: 'cosine',
  weightDecay: 0,
  /** 1: every other coupling shuffles the columns first (definition.ts `shuffle`); 0: the checkerboard halves alternate throughout. */
  shuffle: 1,
  mirror: 1,
  lambda: DEFAULT_LOGIT_LAMBDA,
  valSize: 10000,
  nTrain: 0,
  nEval: 0,
  plotEvery: 2,
  samples: 36,
  dataSeed: 0,
  /** Wall-clock cap on training in minutes (0: none): the issue allows an hour of training. */
  minutes: 56,
};
/** Sized for an hour of training on this 2-core machine (README.md has the measured step times). */
const DEFAULT_EPOCHS = 6;
const DEFAULT_BATCH = 100;
const FIGURE_SEED = 4321;
// maf-fmnist's evaluation noise streams: the same dequantized val and test sets.
const STREAM_VAL_NOISE = 0x76616c;
const STREAM_TEST_NOISE = 0x74657374;

export interface RealNvpFmnistResult extends TrainingResult {
  test: LikelihoodReport | null;
  secondsPerEpoch: number | null;
  trainingSeconds: number;
}

export { evalSet };

export function likelihoodOf(def: RealNvpDefinition, params: Params, set: EvalSet): Promise<LikelihoodReport> {
  return pixelLikelihood((rows, batch) => realnvpLogProbRows(def, params, rows, batch), def.inputSize, set);
}

async function writeSamples(file: string, def: RealNvpDefinition, params: Params, n: number, lambda: number, h: number, w: number): Promise<void> {
  const y = await readAndDispose(tf.tidy(() => realnvpSample(def, params, n, FIGURE_SEED)));
  writeImageGrid(file, logitInverse(y, lambda), [n, h, w], { range: [0, 1], scale: 2 });
}

export async function trainRealNvpFmnist(flags: TrainFlags): Promise<RealNvpFmnistResult> {
  const s = readSettings(flags.set, REALNVP_FMNIST_DEFAULTS, { couplings: 'int>=1', hidden: 'int>=1', nHidden: 'int>=1', logScaleBound: '>0', lr: '>0', weightDecay: '>=0', valSize: 'int>=1', nTrain: 'int>=0', nEval: 'int>=0', plotEvery: 'int>=0', samples: 'int>=0', dataSeed: 'int>=0', minutes: '>=0' });
  if (s.shuffle !== 0 && s.shuffle !== 1) throw new Error(`--set shuffle=${s.shuffle}: expected 0 or 1`);
  if (s.mirror !== 0 && s.mirror !== 1) throw new Error(`--set mirror=${s.mirror}: expected 0 or 1`);
  const trainSplit = await loadFashionMnist({ dir: flags.data, split: 'train' });
  const testSplit = await loadFashionMnist({ dir: flags.data, split: 'test' });
  const [h, w] = [trainSplit.rows, trainSplit.cols];
  const d = h * w;
  if (s.valSize >= trainSplit.n) throw new Error(`--set valSize=${s.valSize}: must be below the ${trainSplit.n} training images`);
  const order = new Random(s.dataSeed).permutation(trainSplit.n);
  const nVal = s.nEval > 0 ? Math.min(s.nEval, s.valSize) : s.valSize;
  const nTrainAll = trainSplit.n - s.valSize;
  const nTrain = s.nTrain > 0 ? Math.min(s.nTrain, nTrainAll) : nTrainAll;
  const trainImages = gatherRows(trainSplit.images, d, order.subarray(s.valSize, s.valSize + nTrain));
  const trainLabels = gatherRows(trainSplit.labels, 1, order.subarray(s.valSize, s.valSize + nTrain));
  const valImages = gatherRows(trainSplit.images, d, order.subarray(0, nVal));
  const nTest = s.nEval > 0 ? Math.min(s.nEval, testSplit.n) : testSplit.n;
  const testImages = testSplit.images.subarray(0, nTest * d);
  const batch = flags.batch ?? DEFAULT_BATCH;
  const lrSchedule: LrScheduleKind = parseLrSchedule(String(s.lrSchedule));
  const totalSteps = flags.steps ?? (flags.epochs ?? DEFAULT_EPOCHS) * Math.ceil(nTrain / batch);
  const config: RealNvpRunConfig = {
    realnvp: { inputSize: d, couplings: s.couplings, hidden: s.hidden, nHidden: s.nHidden, logScaleBound: s.logScaleBound, firstMask: 'checkerboard', image: { height: h, width: w }, ...(s.shuffle === 1 ? { shuffle: true } : {}) },
    data: {
      dataset: 'fashion-mnist',
      coordinates: 'y = logit(lambda + (1 - 2 lambda) x), x = (pixel + u) / 256, u ~ U[0,1)',
      lambda: s.lambda,
      image: { channels: 1, height: h, width: w },
      valSize: s.valSize,
      nTrain,
      nVal,
      nTest,
      seed: s.dataSeed,
    },
    train: {
      lr: s.lr, weightDecay: s.weightDecay, batch,
      ...(lrSchedule === 'constant' ? {} : { lrSchedule, lrDecaySteps: totalSteps }),
      ...(s.mirror === 1 ? { mirror: MIRRORABLE_CLASSES } : {}),
    },
  };
  const def = realnvpDefinition(config.realnvp);
  const params = initRealNvpParams(def, new Random(flags.seed, STREAM_INIT));
  const opt = realnvpOptimizer(s.lr, s.weightDecay);
  try {
    const val = evalSet(valImages, d, new Random(s.dataSeed, STREAM_VAL_NOISE), s.lambda);
    return await trainAndEvaluate(flags, s, config, def, params, opt, { images: trainImages, labels: trainLabels }, val, () => evalSet(testImages, d, new Random(s.dataSeed, STREAM_TEST_NOISE), s.lambda), [h, w]);
  } finally {
    opt.dispose();
    for (const v of params.values()) v.dispose();
  }
}

async function trainAndEvaluate(
  flags: TrainFlags,
  s: typeof REALNVP_FMNIST_DEFAULTS,
  config: RealNvpRunConfig,
  def: RealNvpDefinition,
  params: Params,
  opt: FusedAdamOptimizer,
  train: { images: Uint8Array; labels: Uint8Array },
  val: EvalSet,
  testSet: () => EvalSet,
  [h, w]: [number, number],
): Promise<RealNvpFmnistResult> {
  const d = def.inputSize;
  const batch = config.train.batch;
  const nTrain = train.images.length / d;
  const mirror = config.train.mirror;
  const schedule: LrSchedule = { kind: (config.train.lrSchedule ?? 'constant') as LrScheduleKind, base: config.train.lr, decaySteps: config.train.lrDecaySteps };
  const epochSeconds: number[] = [];
  let epochStart = Date.now();
  const t0 = Date.now();
  const cap = new AbortController();
  let capped = false;
  const timer = s.minutes > 0 ? setTimeout(() => { capped = true; cap.abort(); }, s.minutes * 60_000) : undefined;
  timer?.unref();
  let result: TrainingResult;
  try {
    result = await runTraining({
      runDir: flags.runDir,
      kind: REALNVP_KIND,
      config,
      params,
      optimizers: { adam: opt },
      data: { n: nTrain, batchSize: batch },
      seed: flags.seed,
      epochs: flags.steps === undefined ? flags.epochs ?? DEFAULT_EPOCHS : undefined,
      steps: flags.steps,
    stopAfterSteps: flags.stopAfterSteps,
      step: ({ batch: idx, rng, step }) => {
        opt.setLearningRate(learningRateAt(schedule, step));
        let pixels = gatherRows(train.images, d, idx);
        if (mirror) pixels = mirrorRows(pixels, mirrorDraw(gatherRows(train.labels, 1, idx), rng, mirror), h, w);
        const { y } = logit(toUnitDequantized(pixels, rng), d, s.lambda);
        return { nll: realnvpTrainStep(def, params, opt, tf.tensor2d(y, [idx.length, d])) };
      },
      onEpochEnd: async ({ epoch, runDir, log }) => {
        const seconds = (Date.now() - epochStart) / 1000;
        epochSeconds.push(seconds);
        const te = Date.now();
        const v = await likelihoodOf(def, params, val);
        const e = Math.round(epoch);
        log(`epoch ${e}: val ${v.ll.toFixed(1)} nats/image in [0,1)^${d}, ${v.bpd.toFixed(4)} bits/dim; ${seconds.toFixed(0)} s of training`);
        if (s.plotEvery > 0 && s.samples > 0 && e % s.plotEvery === 0) await writeSamples(path.join(runDir, `samples-epoch${String(e).padStart(3, '0')}.png`), def, params, s.samples, s.lambda, h, w);
        epochStart = Date.now();
        return { lr: opt.currentLearningRate, val_ll: v.ll, val_ll_logit: v.llLogit, val_bpd: v.bpd, epoch_seconds: seconds, eval_seconds: (Date.now() - te) / 1000 };
      },
      best: { metric: 'val_bpd', mode: 'min' },
      checkpointEvery: flags.checkpointEvery,
      logEvery: flags.logEvery,
      resume: flags.resume,
      fresh: flags.fresh,
      meta: { run: 'realnvp-fmnist', backend: flags.backend },
      progress: flags.progress,
      resumeCommand: flags.resumeCommand,
      signal: cap.signal,
    });
  } finally {
    if (timer) clearTimeout(timer);
  }
  const trainingSeconds = (Date.now() - t0) / 1000;

  let test: LikelihoodReport | null = null;
  const bestFile = path.join(flags.runDir, BEST_FILE);
  if (result.best && (result.status !== 'interrupted' || capped)) {
    loadParams(params, readCheckpoint(bestFile).tensors, bestFile);
    test = await likelihoodOf(def, params, testSet());
    const stepsPerEpoch = Math.ceil(nTrain / batch);
    appendMetrics(path.join(flags.runDir, METRICS_FILE), makeRecord('eval', result.best.step, result.best.step / stepsPerEpoch, { test_ll: test.ll, test_ll_logit: test.llLogit, test_bpd: test.bpd, test_median_bpd: test.medianBpd, test_lowest_index: test.lowest.index, test_lowest_ll: test.lowest.ll }));
    if (s.samples > 0) await writeSamples(path.join(flags.runDir, 'samples-best.png'), def, params, s.samples, s.lambda, h, w);
  }
  const secondsPerEpoch = epochSeconds.length ? epochSeconds.reduce((a, b) => a + b, 0) / epochSeconds.length : null;
  const summary = {
    model: 'realnvp-fmnist',
    status: capped ? 'time-capped' : result.status,
    bestStep: result.best?.step ?? null,
    bestValBitsPerDim: result.best?.value ?? null,
    test,
    units: `ll: nats per image, x in [0,1)^${d}; llLogit: logit space; bpd = -ll/(${d} ln 2) + 8`,
    trainingSecondsThisProcess: trainingSeconds,
    secondsPerEpochThisProcess: secondsPerEpoch,
    backend: flags.backend,
    config,
  };
  writeFileAtomic(path.join(flags.runDir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  const head = capped ? `realnvp-fmnist: the ${s.minutes}-minute cap on training stopped the run: ${result.message}` : result.message;
  const line = test === null ? '' :
    `\nrealnvp-fmnist: test ${test.bpd.toFixed(4)} bits/dim; log-likelihood ${test.ll.toFixed(2)} nats/image on [0,1)^${d} (best.ckpt, step ${result.best!.step})` +
    `; median ${test.medianBpd.toFixed(4)} bits/dim; ${(trainingSeconds / 60).toFixed(1)} min of training` +
    (secondsPerEpoch === null ? '' : `, ${secondsPerEpoch.toFixed(1)} s/epoch on ${flags.backend}`);
  return { ...result, ...(capped ? { status: 'completed' as const } : {}), message: head + line, test, secondsPerEpoch, trainingSeconds };
}

export const realnvpFmnistRun: RunDefinition = { name: 'realnvp-fmnist', description: 'RealNVP (dense couplings) on dequantized, logit-transformed Fashion-MNIST; reports test bits/dim', train: trainRealNvpFmnist };
