/**
 * Training a flow on dequantized, logit-transformed Fashion-MNIST pixels, whatever its family (maf-fmnist,
 * realnvp-fmnist): the split (a seeded validation hold-out of the training images, optional subsets for trials),
 * fresh dequantization noise and optional mirroring per step from the checkpointed stream, the learning-rate
 * schedule, validation bits/dim per epoch (best.ckpt by val_bpd), sample grids, an optional wall-clock cap, and at
 * the end best.ckpt's test likelihood (pixel-likelihood.ts): an 'eval' record, summary.json and the printed line
 * `<run>: test <bpd> bits/dim; ...`. The family brings its step, sampler and density.
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../../runtime/core/random';
import { gatherRows } from '../data/batches';
import { loadFashionMnist } from '../data/fashion-mnist';
import { DEFAULT_LOGIT_LAMBDA, logit, logitInverse } from '../data/logit';
import { mirrorDraw, mirrorRows } from '../data/mirror';
import { toUnitDequantized } from '../data/pixels';
import type { Params } from '../nets/layers';
import type { FusedAdamOptimizer } from '../optim/fused-adam';
import { learningRateAt, type LrSchedule, type LrScheduleKind } from '../optim/lr-schedule';
import { writeFileAtomic } from './atomic-write';
import { loadParams, readCheckpoint } from './checkpoint';
import { writeImageGrid } from './image-grid';
import { BEST_FILE, METRICS_FILE, runTraining, type TrainingResult } from './loop';
import { appendMetrics, makeRecord } from './metrics-log';
import { evalSet, pixelLikelihood, type EvalSet, type LikelihoodReport } from './pixel-likelihood';
import { readAndDispose } from './read';
import type { SettingRule, TrainFlags } from './runs';

const FIGURE_SEED = 4321;
// The evaluation noise streams: every pixel flow is scored on the same dequantized val and test sets.
const STREAM_VAL_NOISE = 0x76616c;
const STREAM_TEST_NOISE = 0x74657374;

/** The images a pixel-flow run trains and is scored on. */
export interface PixelData {
  train: { images: Uint8Array; labels: Uint8Array };
  valImages: Uint8Array;
  testImages: Uint8Array;
  nTrain: number;
  nVal: number;
  nTest: number;
  height: number;
  width: number;
  /** Pixels per image (height * width, one channel). */
  d: number;
}

/**
 * The settings every pixel flow's run takes beside its architecture (`--set key=value`), with their defaults: a flow
 * family's run spreads these into its own defaults and PIXEL_FLOW_RULES into its rules, so the data, the split and
 * the grids are set the same way for every family.
 */
export const PIXEL_FLOW_DEFAULTS = {
  /** 1: mirror training images left-right with probability 1/2, footwear excepted (training/data/mirror.ts); 0: never.
   *  It delays overfitting (docs/maf-fmnist.md). */
  mirror: 1,
  lambda: DEFAULT_LOGIT_LAMBDA,
  /** Images held out of the training split for validation. */
  valSize: 10000,
  /** Use only the first n training / evaluation images (0: all); for quick trials and tests. */
  nTrain: 0,
  nEval: 0,
  /** Epochs between sample grids, and grid size. */
  plotEvery: 2,
  samples: 36,
  dataSeed: 0,
};

export const PIXEL_FLOW_RULES = { valSize: 'int>=1', nTrain: 'int>=0', nEval: 'int>=0', plotEvery: 'int>=0', samples: 'int>=0', dataSeed: 'int>=0' } as const satisfies Partial<Record<keyof typeof PIXEL_FLOW_DEFAULTS, SettingRule>>;

/** The checks of PIXEL_FLOW_DEFAULTS' non-numeric-rule settings, with the setting's own name in the error. */
export function checkPixelFlowSettings(s: Pick<typeof PIXEL_FLOW_DEFAULTS, 'mirror'>): void {
  if (s.mirror !== 0 && s.mirror !== 1) throw new Error(`--set mirror=${s.mirror}: expected 0 or 1`);
}

/** The split every pixel flow uses: `valSize` training images (a permutation seeded by dataSeed) held out for
 *  validation, the first nTrain / nEval of the rest and of the test images when those are > 0 (quick trials). */
export async function loadPixelData(flags: TrainFlags, s: { valSize: number; nTrain: number; nEval: number; dataSeed: number }): Promise<PixelData> {
  for (const k of ['valSize', 'nTrain', 'nEval'] as const) {
    if (!Number.isInteger(s[k]) || s[k] < 0) throw new Error(`--set ${k}=${s[k]}: expected a non-negative integer`);
  }
  const trainSplit = await loadFashionMnist({ dir: flags.data, split: 'train' });
  const testSplit = await loadFashionMnist({ dir: flags.data, split: 'test' });
  const [height, width] = [trainSplit.rows, trainSplit.cols];
  const d = height * width;
  if (s.valSize >= trainSplit.n) throw new Error(`--set valSize=${s.valSize}: must be below the ${trainSplit.n} training images`);
  const order = new Random(s.dataSeed).permutation(trainSplit.n);
  const nVal = s.nEval > 0 ? Math.min(s.nEval, s.valSize) : s.valSize;
  const nTrainAll = trainSplit.n - s.valSize;
  const nTrain = s.nTrain > 0 ? Math.min(s.nTrain, nTrainAll) : nTrainAll;
  const nTest = s.nEval > 0 ? Math.min(s.nEval, testSplit.n) : testSplit.n;
  return {
    train: { images: gatherRows(trainSplit.images, d, order.subarray(s.valSize, s.valSize + nTrain)), labels: gatherRows(trainSplit.labels, 1, order.subarray(s.valSize, s.valSize + nTrain)) },
    valImages: gatherRows(trainSplit.images, d, order.subarray(0, nVal)),
    testImages: testSplit.images.subarray(0, nTest * d),
    nTrain, nVal, nTest, height, width, d,
  };
}

export interface PixelFlow {
  /** The run's name (summary, the printed line). */
  run: string;
  /** The checkpoint kind (the family). */
  kind: string;
  /** The run config stored in the checkpoint. */
  config: { train: { lr: number; batch: number; lrSchedule?: LrScheduleKind | string; lrDecaySteps?: number; mirror?: readonly number[] } };
  params: Params;
  opt: FusedAdamOptimizer;
  /** One optimizer step on y [B, d] (logit space); returns the batch NLL. */
  trainStep(y: tf.Tensor2D): tf.Scalar;
  /** n samples [n, d] in logit space from seeded noise. */
  sample(n: number, seed: number): tf.Tensor2D;
  /** log p_y of each row of rows [N * d]. */
  logProbRows(rows: Float32Array, batch: number): Promise<Float32Array>;
  epochs: number;
  lambda: number;
  dataSeed: number;
  /** Epochs between sample grids (0: none) and the grid's size. */
  plotEvery: number;
  samples: number;
  /** Wall-clock cap on training in minutes (0: none): the run stops as if interrupted and is scored. */
  minutes: number;
}

export interface PixelFlowResult extends TrainingResult {
  test: LikelihoodReport | null;
  secondsPerEpoch: number | null;
  trainingSeconds: number;
}

async function writeSamples(file: string, flow: PixelFlow, data: PixelData): Promise<void> {
  const y = await readAndDispose(tf.tidy(() => flow.sample(flow.samples, FIGURE_SEED)));
  writeImageGrid(file, logitInverse(y, flow.lambda), [flow.samples, data.height, data.width], { range: [0, 1], scale: 2 });
}

export async function trainFlowOnPixels(flags: TrainFlags, flow: PixelFlow, data: PixelData): Promise<PixelFlowResult> {
  const { opt, params, config } = flow;
  const { d, height: h, width: w } = data;
  const likelihood = (set: EvalSet) => pixelLikelihood((rows, batch) => flow.logProbRows(rows, batch), d, set);
  const val = evalSet(data.valImages, d, new Random(flow.dataSeed, STREAM_VAL_NOISE), flow.lambda);
  const batch = config.train.batch;
  const nTrain = data.nTrain;
  const mirror = config.train.mirror;
  const schedule: LrSchedule = { kind: (config.train.lrSchedule ?? 'constant') as LrScheduleKind, base: config.train.lr, decaySteps: config.train.lrDecaySteps };
  const epochSeconds: number[] = [];
  let epochStart = Date.now();
  const t0 = Date.now();
  const cap = new AbortController();
  let capped = false;
  const timer = flow.minutes > 0 ? setTimeout(() => { capped = true; cap.abort(); }, flow.minutes * 60_000) : undefined;
  timer?.unref();
  let result: TrainingResult;
  try {
    result = await runTraining({
      runDir: flags.runDir,
      kind: flow.kind,
      config,
      params,
      optimizers: { adam: opt },
      data: { n: nTrain, batchSize: batch },
      seed: flags.seed,
      epochs: flags.steps === undefined ? flags.epochs ?? flow.epochs : undefined,
      steps: flags.steps,
      step: ({ batch: idx, rng, step }) => {
        opt.setLearningRate(learningRateAt(schedule, step));
        // Fresh dequantization noise for every use of an image, drawn from the checkpointed stream.
        let pixels = gatherRows(data.train.images, d, idx);
        if (mirror) pixels = mirrorRows(pixels, mirrorDraw(gatherRows(data.train.labels, 1, idx), rng, mirror), h, w);
        const { y } = logit(toUnitDequantized(pixels, rng), d, flow.lambda);
        return { nll: flow.trainStep(tf.tensor2d(y, [idx.length, d])) };
      },
      onEpochEnd: async ({ epoch, runDir, log }) => {
        const seconds = (Date.now() - epochStart) / 1000;
        epochSeconds.push(seconds);
        const te = Date.now();
        const v = await likelihood(val);
        const e = Math.round(epoch);
        log(`epoch ${e}: val ${v.ll.toFixed(1)} nats/image in [0,1)^${d}, ${v.bpd.toFixed(4)} bits/dim; ${seconds.toFixed(0)} s of training`);
        if (flow.plotEvery > 0 && flow.samples > 0 && e % flow.plotEvery === 0) await writeSamples(path.join(runDir, `samples-epoch${String(e).padStart(3, '0')}.png`), flow, data);
        const out = { lr: opt.currentLearningRate, val_ll: v.ll, val_ll_logit: v.llLogit, val_bpd: v.bpd, epoch_seconds: seconds, eval_seconds: (Date.now() - te) / 1000 };
        epochStart = Date.now();
        return out;
      },
      best: { metric: 'val_bpd', mode: 'min' },
      checkpointEvery: flags.checkpointEvery,
      logEvery: flags.logEvery,
      resume: flags.resume,
      fresh: flags.fresh,
      meta: { run: flow.run, backend: flags.backend },
      progress: flags.progress,
      resumeCommand: flags.resumeCommand,
      stopAfterSteps: flags.stopAfterSteps,
      signal: cap.signal,
    });
  } finally {
    if (timer) clearTimeout(timer);
  }
  const trainingSeconds = (Date.now() - t0) / 1000;

  let test: LikelihoodReport | null = null;
  const bestFile = path.join(flags.runDir, BEST_FILE);
  // Ctrl-C asks for a quick exit: the test figures and the sample grid wait for the run's end (or the time cap).
  if (result.best && (result.status !== 'interrupted' || capped)) {
    loadParams(params, readCheckpoint(bestFile).tensors, bestFile);
    test = await likelihood(evalSet(data.testImages, d, new Random(flow.dataSeed, STREAM_TEST_NOISE), flow.lambda));
    const stepsPerEpoch = Math.ceil(nTrain / batch);
    appendMetrics(path.join(flags.runDir, METRICS_FILE), makeRecord('eval', result.best.step, result.best.step / stepsPerEpoch, { test_ll: test.ll, test_ll_256: test.ll256, test_ll_logit: test.llLogit, test_bpd: test.bpd, test_median_bpd: test.medianBpd, test_lowest_index: test.lowest.index, test_lowest_ll: test.lowest.ll }));
    if (flow.samples > 0) await writeSamples(path.join(flags.runDir, 'samples-best.png'), flow, data);
  }
  const secondsPerEpoch = epochSeconds.length ? epochSeconds.reduce((a, b) => a + b, 0) / epochSeconds.length : null;
  const summary = {
    model: flow.run,
    status: capped ? 'time-capped' : result.status,
    bestStep: result.best?.step ?? null,
    bestValBitsPerDim: result.best?.value ?? null,
    test,
    units: `ll: nats per image, x in [0,1)^${d}; ll256: same on the [0,256)^${d} pixel scale; llLogit: logit space; bpd = -ll/(${d} ln 2) + 8`,
    trainingSecondsThisProcess: trainingSeconds,
    secondsPerEpochThisProcess: secondsPerEpoch,
    backend: flags.backend,
    config,
  };
  writeFileAtomic(path.join(flags.runDir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  const head = capped ? `${flow.run}: the ${flow.minutes}-minute cap on training stopped the run: ${result.message}` : result.message;
  const line = test === null ? '' :
    `\n${flow.run}: test ${test.bpd.toFixed(4)} bits/dim; log-likelihood ${test.ll.toFixed(2)} nats/image on [0,1)^${d} (${test.ll256.toFixed(2)} on [0,256)^${d}) (best.ckpt, step ${result.best!.step})` +
    `; median ${test.medianBpd.toFixed(4)} bits/dim, lowest test image #${test.lowest.index} at ${test.lowest.ll.toPrecision(6)} nats` +
    `; ${(trainingSeconds / 60).toFixed(1)} min of training` + (secondsPerEpoch === null ? '' : `, ${secondsPerEpoch.toFixed(1)} s/epoch on ${flags.backend}`);
  return { ...result, ...(capped ? { status: 'completed' as const } : {}), message: head + line, test, secondsPerEpoch, trainingSeconds };
}
