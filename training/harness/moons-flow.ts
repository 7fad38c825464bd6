/**
 * Training a density model on two moons, whatever its family (maf-moons, realnvp-moons): the data split, the
 * per-epoch and every-`valEvery`-steps validation, best.ckpt by val_ll, the progress figures, and at the end the test
 * log-likelihood of best.ckpt (an 'eval' record with test_ll, summary.json and the printed line
 * `<run>: test log-likelihood <value> nats/point`). The family brings its step, its sampler and its density.
 *
 * Log-likelihoods are in nats per point in the standardized coordinates the model sees.
 * Per epoch: train_ll (full training set, after the epoch), val_ll, epoch_seconds into metrics.jsonl. Every
 * `plotEvery` epochs: samples-epochNNN.png (1000 samples | the 3000 test points | the model density) and
 * samples-epochNNN.svg, the same panels titled with labelled axes.
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { gatherRows } from '../data/batches';
import { makeMoons, type Moons } from '../data/moons';
import type { Params } from '../nets/layers';
import { writeFileAtomic } from './atomic-write';
import { loadParams, readCheckpoint } from './checkpoint';
import { BEST_FILE, METRICS_FILE, runTraining, type TrainingResult } from './loop';
import { appendMetrics, makeRecord } from './metrics-log';
import { densityGrid, regionAround, writeMoonsFigure, writeMoonsFigureSvg } from './moons-figure';
import { readAndDispose } from './read';
import type { SettingRule, TrainFlags } from './runs';

/** Seed of the figure samples: the same latent points every time, so figures compare across epochs. */
const FIGURE_SEED = 1234;
/** Rows per density batch for the figures and the log-likelihoods. */
const LOG_PROB_BATCH = 2000;

/** The settings every moons flow's run takes beside its architecture, with their defaults (spread into the run's). */
export const MOONS_FLOW_DEFAULTS = {
  /** Epochs between figures. */
  plotEvery: 10,
  /** Extra validations every this many steps (0: at epoch ends only, as the course does); each is a candidate for
   *  best.ckpt. With lr 1e-3 and no decay the validation log-likelihood swings within an epoch, so checking ten
   *  times per epoch (3000 points, cheap beside the 240 training steps) can keep a better checkpoint; the test set is
   *  never looked at for this. */
  valEvery: 24,
  /** The moons set: size and seed (fixed across training seeds so runs share one test set). */
  n: 30000,
  dataSeed: 0,
};

export const MOONS_FLOW_RULES = { plotEvery: 'int>=0', valEvery: 'int>=0', n: 'int>=1', dataSeed: 'int>=0' } as const satisfies Partial<Record<keyof typeof MOONS_FLOW_DEFAULTS, SettingRule>>;

/** The moons set of these settings and the `data` its run's config records (the card's data.details). */
export function moonsData(s: Pick<typeof MOONS_FLOW_DEFAULTS, 'n' | 'dataSeed'>): { moons: Moons; config: Record<string, unknown> & { dataset: 'moons' } } {
  const moons = makeMoons({ seed: s.dataSeed, n: s.n });
  return { moons, config: { dataset: 'moons', n: s.n, noise: 0.05, seed: s.dataSeed, coordinates: 'standardized (x - mean) / std', mean: moons.mean, std: moons.std } };
}

export interface MoonsFlow {
  /** The run's name (summary, figure titles, the printed line). */
  run: string;
  /** The checkpoint kind (the family). */
  kind: string;
  /** The run config stored in the checkpoint; `train.batch` is the batch size. */
  config: { train: { batch: number } };
  params: Params;
  opt: tf.Optimizer;
  /** One optimizer step on x [B, 2]; returns the batch NLL (nats per point). */
  trainStep(x: tf.Tensor2D): tf.Scalar;
  /** n samples [n, 2] from seeded noise. */
  sample(n: number, seed: number): tf.Tensor2D;
  /** log p of each row of rows [N * 2]. */
  logProbRows(rows: Float32Array, batch: number): Promise<Float32Array>;
  epochs: number;
  plotEvery: number;
  /** Extra validations every this many steps (0: epoch ends only); each is a candidate for best.ckpt. */
  valEvery: number;
}

export interface MoonsFlowResult extends TrainingResult {
  testLogLik: number | null;
  secondsPerEpoch: number | null;
}

async function meanLogProbOf(flow: MoonsFlow, rows: Float32Array): Promise<number> {
  const lp = await flow.logProbRows(rows, LOG_PROB_BATCH);
  let s = 0;
  for (const v of lp) s += v;
  return s / lp.length;
}

async function writeFigures(flow: MoonsFlow, runDir: string, tag: string, test: Float32Array): Promise<void> {
  const samples = await readAndDispose(tf.tidy(() => flow.sample(1000, FIGURE_SEED)));
  const region = regionAround(test);
  const grid = densityGrid(region);
  const logp = await flow.logProbRows(grid.points, 4000);
  writeMoonsFigure(path.join(runDir, `samples-${tag}.png`), samples, test, logp, region);
  await writeMoonsFigureSvg(path.join(runDir, `samples-${tag}.svg`), samples, test, logp, region, `${flow.run} ${tag.replace(/^epoch0*/, 'epoch ')}`);
}

export async function trainFlowOnMoons(flags: TrainFlags, flow: MoonsFlow, moons: Moons): Promise<MoonsFlowResult> {
  const { params, opt } = flow;
  const batch = flow.config.train.batch;
  const nTrain = moons.train.length / 2;
  let epochStart = Date.now();
  const epochSeconds: number[] = [];
  const result = await runTraining({
    runDir: flags.runDir,
    kind: flow.kind,
    config: flow.config,
    params,
    optimizers: { adam: opt },
    data: { n: nTrain, batchSize: batch },
    seed: flags.seed,
    epochs: flags.steps === undefined ? flags.epochs ?? flow.epochs : undefined,
    steps: flags.steps,
    step: ({ batch: idx }) => ({ nll: flow.trainStep(tf.tensor2d(gatherRows(moons.train, 2, idx), [idx.length, 2])) }),
    onEpochEnd: async ({ epoch, runDir }) => {
      const seconds = (Date.now() - epochStart) / 1000; // training steps only: evaluation is timed out below
      epochSeconds.push(seconds);
      const out = { train_ll: await meanLogProbOf(flow, moons.train), val_ll: await meanLogProbOf(flow, moons.val), epoch_seconds: seconds };
      const e = Math.round(epoch);
      if (flow.plotEvery > 0 && e % flow.plotEvery === 0) await writeFigures(flow, runDir, `epoch${String(e).padStart(3, '0')}`, moons.test);
      epochStart = Date.now();
      return out;
    },
    ...(flow.valEvery > 0 ? { every: { steps: flow.valEvery, run: async () => ({ val_ll: await meanLogProbOf(flow, moons.val) }) } } : {}),
    best: { metric: 'val_ll', mode: 'max' },
    checkpointEvery: flags.checkpointEvery,
    logEvery: flags.logEvery,
    resume: flags.resume,
    fresh: flags.fresh,
    meta: { run: flow.run, backend: flags.backend },
    progress: flags.progress,
    resumeCommand: flags.resumeCommand,
    stopAfterSteps: flags.stopAfterSteps,
  });

  let testLogLik: number | null = null;
  const bestFile = path.join(flags.runDir, BEST_FILE);
  // Ctrl-C asks for a quick exit: the test figures wait for the run's end.
  if (result.best && result.status !== 'interrupted') {
    loadParams(params, readCheckpoint(bestFile).tensors, bestFile);
    testLogLik = await meanLogProbOf(flow, moons.test);
    appendMetrics(path.join(flags.runDir, METRICS_FILE), makeRecord('eval', result.best.step, result.best.step / Math.ceil(nTrain / batch), { test_ll: testLogLik }));
    await writeFigures(flow, flags.runDir, 'best', moons.test);
  }
  const secondsPerEpoch = epochSeconds.length ? epochSeconds.reduce((a, b) => a + b, 0) / epochSeconds.length : null;
  const summary = {
    model: flow.run,
    status: result.status,
    bestStep: result.best?.step ?? null,
    bestValLogLik: result.best?.value ?? null,
    testLogLik,
    units: 'nats per point, standardized coordinates',
    secondsPerEpochThisProcess: secondsPerEpoch,
    backend: flags.backend,
    config: flow.config,
  };
  writeFileAtomic(path.join(flags.runDir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  const line = testLogLik === null ? '' : `\n${flow.run}: test log-likelihood ${testLogLik.toFixed(4)} nats/point (best.ckpt, step ${result.best!.step}, val ${result.best!.value.toFixed(4)})` +
    (secondsPerEpoch === null ? '' : `; ${secondsPerEpoch.toFixed(2)} s/epoch of training on ${flags.backend}`);
  return { ...result, message: result.message + line, testLogLik, secondsPerEpoch };
}
