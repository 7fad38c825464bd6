/**
 * `dgm train realnvp-fmnist`: RealNVP with local (convolutional) and dense couplings on Fashion-MNIST, in
 * maf-fmnist's coordinates so the bits/dim compare: the same split (a fixed permutation of the 60000 training
 * images by dataSeed: 10000 val, 50000 train; the official 10000 test images only at the end, on best.ckpt), the
 * same dequantization (fresh noise per use from the loop's stream; fixed val/test noise streams), the same logit
 * lambda, the same left-right mirroring, and the same accounting: bits/dim = -log p_x(x) / (D ln 2) + 8 with
 * log p_x = log p_y(y) + log|dy/dx| (training/runs/maf-fmnist.ts's header has the formulas).
 *
 * Two local couplings (a small conv on the image squeezed into 2 x 2 blocks, definition.ts) then six dense ones of
 * 112 x 112: the local ones give each pixel its neighbours, which the dense ones' few hundred hidden units see only
 * coarsely, at a few hundred multiply-adds per block; wider convolutions would cost more per parameter in tfjs' wasm
 * conv2d and its gradients than the dense matrix products. The sampler's speed target (100x maf-fmnist's, one
 * thread) bounds the size: trials and timings in README.md.
 *
 * `minutes` caps the wall time of training (0: none): the run stops after the step that crosses it, writes a
 * checkpoint, and still scores best.ckpt on the test set. The cosine schedule runs over the configured epochs, so
 * choose epochs that fit the cap.
 */
import { Random } from '../../runtime/core/random';
import { MIRRORABLE_CLASSES } from '../../training/data/mirror';
import { STREAM_INIT } from '../../training/harness/loop';
import { evalSet, pixelLikelihood, type EvalSet, type LikelihoodReport } from '../../training/harness/pixel-likelihood';
import { checkPixelFlowSettings, loadPixelData, PIXEL_FLOW_DEFAULTS, PIXEL_FLOW_RULES, trainFlowOnPixels, type PixelFlowResult } from '../../training/harness/pixel-flow';
import { Params } from '../../training/nets/layers';
import { LrScheduleKind, parseLrSchedule } from '../../training/optim/lr-schedule';
import { readSettings, type RunDefinition, type TrainFlags } from '../../training/harness/runs';
import { initRealNvpParams, REALNVP_KIND, RealNvpConfig, RealNvpDefinition, realnvpDefinition, realnvpLogProbRows, realnvpSample } from './definition';
import { realnvpOptimizer, realnvpTrainStep } from './loss';
import type { RealNvpRunConfig } from './moons-run';

// The architecture was chosen by short trials at equal steps and by the sampler's speed (families/realnvp/README.md).
export const REALNVP_FMNIST_DEFAULTS = {
  couplings: 6,
  hidden: 112,
  nHidden: 2,
  logScaleBound: 2,
  lr: 1e-3,
  lrSchedule: 'cosine',
  weightDecay: 0,
  /** 1: every other coupling shuffles the columns first (definition.ts `shuffle`); 0: the checkerboard halves alternate throughout. */
  shuffle: 1,
  /** Local (convolutional, checkerboard) couplings before the dense ones (definition.ts `local`); 0: none. */
  localCouplings: 2,
  localChannels: 32,
  localKernel: 3,
  ...PIXEL_FLOW_DEFAULTS,
  /** Wall-clock cap on training in minutes (0: none): the issue allows an hour of training. */
  minutes: 56,
};
/** Sized to finish inside the `minutes` cap on a quiet 2-core machine (README.md has the measured epoch times); under
 *  load the cap stops the run before the cosine schedule ends. */
const DEFAULT_EPOCHS = 42;
const DEFAULT_BATCH = 100;

export { evalSet };

export type RealNvpFmnistSettings = Pick<typeof REALNVP_FMNIST_DEFAULTS, 'couplings' | 'hidden' | 'nHidden' | 'logScaleBound' | 'shuffle' | 'localCouplings' | 'localChannels' | 'localKernel'>;

/** The architecture a realnvp-fmnist run with these settings trains, on images of this shape (training and the bench). */
export function realnvpFmnistArchitecture(s: RealNvpFmnistSettings, image: { height: number; width: number }): RealNvpConfig {
  return {
    inputSize: image.height * image.width, couplings: s.couplings, hidden: s.hidden, nHidden: s.nHidden, logScaleBound: s.logScaleBound,
    firstMask: 'checkerboard', image: { ...image },
    ...(s.shuffle === 1 ? { shuffle: true } : {}),
    ...(s.localCouplings > 0 ? { local: { couplings: s.localCouplings, channels: s.localChannels, kernel: s.localKernel } } : {}),
  };
}

export function likelihoodOf(def: RealNvpDefinition, params: Params, set: EvalSet): Promise<LikelihoodReport> {
  return pixelLikelihood((rows, batch) => realnvpLogProbRows(def, params, rows, batch), def.inputSize, set);
}

export async function trainRealNvpFmnist(flags: TrainFlags): Promise<PixelFlowResult> {
  const s = readSettings(flags.set, REALNVP_FMNIST_DEFAULTS, { couplings: 'int>=1', hidden: 'int>=1', nHidden: 'int>=1', logScaleBound: '>0', localCouplings: 'int>=0', localChannels: 'int>=1', localKernel: 'int>=1', lr: '>0', weightDecay: '>=0', ...PIXEL_FLOW_RULES, minutes: '>=0' });
  if (s.shuffle !== 0 && s.shuffle !== 1) throw new Error(`--set shuffle=${s.shuffle}: expected 0 or 1`);
  checkPixelFlowSettings(s);
  const data = await loadPixelData(flags, s);
  const { nTrain, height: h, width: w } = data;
  const batch = flags.batch ?? DEFAULT_BATCH;
  const lrSchedule: LrScheduleKind = parseLrSchedule(String(s.lrSchedule));
  const totalSteps = flags.steps ?? (flags.epochs ?? DEFAULT_EPOCHS) * Math.ceil(nTrain / batch);
  const config: RealNvpRunConfig = {
    realnvp: realnvpFmnistArchitecture(s, { height: h, width: w }),
    data: {
      dataset: 'fashion-mnist',
      coordinates: 'y = logit(lambda + (1 - 2 lambda) x), x = (pixel + u) / 256, u ~ U[0,1)',
      lambda: s.lambda,
      image: { channels: 1, height: h, width: w },
      valSize: s.valSize,
      nTrain,
      nVal: data.nVal,
      nTest: data.nTest,
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
    return await trainFlowOnPixels(flags, {
      run: 'realnvp-fmnist',
      kind: REALNVP_KIND,
      config,
      params,
      opt,
      trainStep: (y) => realnvpTrainStep(def, params, opt, y),
      sample: (n, seed) => realnvpSample(def, params, n, seed),
      logProbRows: (rows, b) => realnvpLogProbRows(def, params, rows, b),
      epochs: DEFAULT_EPOCHS,
      lambda: s.lambda,
      dataSeed: s.dataSeed,
      plotEvery: s.plotEvery,
      samples: s.samples,
      minutes: s.minutes,
    }, data);
  } finally {
    opt.dispose();
    for (const v of params.values()) v.dispose();
  }
}

export const realnvpFmnistRun: RunDefinition = { name: 'realnvp-fmnist', description: 'RealNVP (local conv + dense couplings) on dequantized, logit-transformed Fashion-MNIST; reports test bits/dim', train: trainRealNvpFmnist };
