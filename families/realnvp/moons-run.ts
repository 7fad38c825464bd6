/**
 * `dgm train realnvp-moons`: RealNVP on two moons, on maf-moons' data split (30000 points, noise 0.05,
 * standardized with the mean/std of all points; 24000 train / 3000 val / 3000 test), batch 100, Adam with
 * PyTorch's defaults. Log-likelihoods are nats per point in the standardized coordinates, like maf-moons'.
 *
 * Per epoch train_ll, val_ll, epoch_seconds into metrics.jsonl; val_ll also every `valEvery` steps; best.ckpt
 * keeps the best val_ll. At the end best.ckpt is scored on the test set: an 'eval' record with test_ll,
 * summary.json and the printed line `test log-likelihood <value>`.
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../../runtime/core/random';
import { gatherRows } from '../../training/data/batches';
import { makeMoons, type Moons } from '../../training/data/moons';
import { writeFileAtomic } from '../../training/harness/atomic-write';
import { loadParams, readCheckpoint } from '../../training/harness/checkpoint';
import { BEST_FILE, METRICS_FILE, runTraining, STREAM_INIT, type TrainingResult } from '../../training/harness/loop';
import { appendMetrics, makeRecord } from '../../training/harness/metrics-log';
import { readAndDispose } from '../../training/harness/read';
import { Params } from '../../training/nets/layers';
import { densityGrid, regionAround, writeMoonsFigure, writeMoonsFigureSvg } from '../maf/maf-moons-figure';
import { readSettings, type RunDefinition, type TrainFlags } from '../../training/harness/runs';
import { initRealNvpParams, REALNVP_KIND, RealNvpConfig, RealNvpDefinition, realnvpDefinition, realnvpLogProbRows, realnvpSample } from './definition';
import { realnvpMeanLogProb, realnvpOptimizer, realnvpTrainStep } from './loss';

export interface RealNvpRunConfig {
  realnvp: RealNvpConfig;
  data: Record<string, unknown>;
  train: { lr: number; weightDecay: number; batch: number; lrSchedule?: string; lrDecaySteps?: number; mirror?: readonly number[] };
}

export const REALNVP_MOONS_DEFAULTS = {
  couplings: 8,
  hidden: 128,
  nHidden: 2,
  logScaleBound: 3,
  lr: 1e-3,
  weightDecay: 0,
  plotEvery: 10,
  valEvery: 24,
  n: 30000,
  dataSeed: 0,
};
const DEFAULT_EPOCHS = 50;
const DEFAULT_BATCH = 100;
const FIGURE_SEED = 1234;

export interface RealNvpMoonsResult extends TrainingResult {
  testLogLik: number | null;
  secondsPerEpoch: number | null;
}

async function writeFigures(runDir: string, tag: string, def: RealNvpDefinition, params: Params, test: Float32Array): Promise<void> {
  const samples = await readAndDispose(tf.tidy(() => realnvpSample(def, params, 1000, FIGURE_SEED)));
  const region = regionAround(test);
  const grid = densityGrid(region);
  const logp = await realnvpLogProbRows(def, params, grid.points, 4000);
  writeMoonsFigure(path.join(runDir, `samples-${tag}.png`), samples, test, logp, region);
  await writeMoonsFigureSvg(path.join(runDir, `samples-${tag}.svg`), samples, test, logp, region, `realnvp-moons ${tag.replace(/^epoch0*/, 'epoch ')}`);
}

export async function trainRealNvpMoons(flags: TrainFlags): Promise<RealNvpMoonsResult> {
  const s = readSettings(flags.set, REALNVP_MOONS_DEFAULTS, { couplings: 'int>=1', hidden: 'int>=1', nHidden: 'int>=1', logScaleBound: '>0', lr: '>0', weightDecay: '>=0', plotEvery: 'int>=0', valEvery: 'int>=0', n: 'int>=1', dataSeed: 'int>=0' });
  const moons = makeMoons({ seed: s.dataSeed, n: s.n });
  const batch = flags.batch ?? DEFAULT_BATCH;
  const config: RealNvpRunConfig = {
    realnvp: { inputSize: 2, couplings: s.couplings, hidden: s.hidden, nHidden: s.nHidden, logScaleBound: s.logScaleBound, firstMask: 'identity' },
    data: { dataset: 'moons', n: s.n, noise: 0.05, seed: s.dataSeed, coordinates: 'standardized (x - mean) / std', mean: moons.mean, std: moons.std },
    train: { lr: s.lr, weightDecay: s.weightDecay, batch },
  };
  const def = realnvpDefinition(config.realnvp);
  const params = initRealNvpParams(def, new Random(flags.seed, STREAM_INIT));
  const opt = realnvpOptimizer(s.lr, s.weightDecay);
  try {
    return await trainAndEvaluate(flags, s, config, def, params, opt, moons);
  } finally {
    opt.dispose();
    for (const v of params.values()) v.dispose();
  }
}

async function trainAndEvaluate(flags: TrainFlags, s: typeof REALNVP_MOONS_DEFAULTS, config: RealNvpRunConfig, def: RealNvpDefinition, params: Params, opt: tf.Optimizer, moons: Moons): Promise<RealNvpMoonsResult> {
  const batch = config.train.batch;
  const nTrain = moons.train.length / 2;
  let epochStart = Date.now();
  const epochSeconds: number[] = [];
  const result = await runTraining({
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
    step: ({ batch: idx }) => ({ nll: realnvpTrainStep(def, params, opt, tf.tensor2d(gatherRows(moons.train, 2, idx), [idx.length, 2])) }),
    onEpochEnd: async ({ epoch, runDir }) => {
      const seconds = (Date.now() - epochStart) / 1000;
      epochSeconds.push(seconds);
      const out = { train_ll: await realnvpMeanLogProb(def, params, moons.train), val_ll: await realnvpMeanLogProb(def, params, moons.val), epoch_seconds: seconds };
      const e = Math.round(epoch);
      if (s.plotEvery > 0 && e % s.plotEvery === 0) await writeFigures(runDir, `epoch${String(e).padStart(3, '0')}`, def, params, moons.test);
      epochStart = Date.now();
      return out;
    },
    ...(s.valEvery > 0 ? { every: { steps: s.valEvery, run: async () => ({ val_ll: await realnvpMeanLogProb(def, params, moons.val) }) } } : {}),
    best: { metric: 'val_ll', mode: 'max' },
    checkpointEvery: flags.checkpointEvery,
    logEvery: flags.logEvery,
    resume: flags.resume,
    fresh: flags.fresh,
    meta: { run: 'realnvp-moons', backend: flags.backend },
    progress: flags.progress,
    resumeCommand: flags.resumeCommand,
  });

  let testLogLik: number | null = null;
  const bestFile = path.join(flags.runDir, BEST_FILE);
  if (result.best && result.status !== 'interrupted') {
    loadParams(params, readCheckpoint(bestFile).tensors, bestFile);
    testLogLik = await realnvpMeanLogProb(def, params, moons.test);
    appendMetrics(path.join(flags.runDir, METRICS_FILE), makeRecord('eval', result.best.step, result.best.step / Math.ceil(nTrain / batch), { test_ll: testLogLik }));
    await writeFigures(flags.runDir, 'best', def, params, moons.test);
  }
  const secondsPerEpoch = epochSeconds.length ? epochSeconds.reduce((a, b) => a + b, 0) / epochSeconds.length : null;
  const summary = {
    model: 'realnvp-moons',
    status: result.status,
    bestStep: result.best?.step ?? null,
    bestValLogLik: result.best?.value ?? null,
    testLogLik,
    units: 'nats per point, standardized coordinates',
    secondsPerEpochThisProcess: secondsPerEpoch,
    backend: flags.backend,
    config,
  };
  writeFileAtomic(path.join(flags.runDir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  const line = testLogLik === null ? '' : `\nrealnvp-moons: test log-likelihood ${testLogLik.toFixed(4)} nats/point (best.ckpt, step ${result.best!.step}, val ${result.best!.value.toFixed(4)})` +
    (secondsPerEpoch === null ? '' : `; ${secondsPerEpoch.toFixed(2)} s/epoch of training on ${flags.backend}`);
  return { ...result, message: result.message + line, testLogLik, secondsPerEpoch };
}

export const realnvpMoonsRun: RunDefinition = { name: 'realnvp-moons', description: 'RealNVP (affine couplings) on two moons; reports test log-likelihood', train: trainRealNvpMoons };
