/**
 * `dgm train realnvp-moons`: RealNVP on two moons, on maf-moons' data split (30000 points, noise 0.05,
 * standardized with the mean/std of all points; 24000 train / 3000 val / 3000 test), batch 100, Adam with
 * PyTorch's defaults. Log-likelihoods are nats per point in the standardized coordinates, like maf-moons'.
 *
 * The training, validation, figures and test evaluation are training/harness/moons-flow.ts's, as for maf-moons:
 * best.ckpt keeps the best val_ll; at the end it is scored on the test set and the run prints
 * `realnvp-moons: test log-likelihood <value> nats/point`.
 */
import { Random } from '../../runtime/core/random';
import { STREAM_INIT } from '../../training/harness/loop';
import { MOONS_FLOW_DEFAULTS, MOONS_FLOW_RULES, moonsData, trainFlowOnMoons, type MoonsFlowResult } from '../../training/harness/moons-flow';
import { readSettings, type RunDefinition, type TrainFlags } from '../../training/harness/runs';
import { initRealNvpParams, REALNVP_KIND, RealNvpConfig, realnvpDefinition, realnvpLogProbRows, realnvpSample } from './definition';
import { realnvpOptimizer, realnvpTrainStep } from './loss';

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
  ...MOONS_FLOW_DEFAULTS,
};
const DEFAULT_EPOCHS = 50;
const DEFAULT_BATCH = 100;

export async function trainRealNvpMoons(flags: TrainFlags): Promise<MoonsFlowResult> {
  const s = readSettings(flags.set, REALNVP_MOONS_DEFAULTS, { couplings: 'int>=1', hidden: 'int>=1', nHidden: 'int>=1', logScaleBound: '>0', lr: '>0', weightDecay: '>=0', ...MOONS_FLOW_RULES });
  const { moons, config: data } = moonsData(s);
  const batch = flags.batch ?? DEFAULT_BATCH;
  const config: RealNvpRunConfig = {
    realnvp: { inputSize: 2, couplings: s.couplings, hidden: s.hidden, nHidden: s.nHidden, logScaleBound: s.logScaleBound, firstMask: 'identity' },
    data,
    train: { lr: s.lr, weightDecay: s.weightDecay, batch },
  };
  const def = realnvpDefinition(config.realnvp);
  const params = initRealNvpParams(def, new Random(flags.seed, STREAM_INIT));
  const opt = realnvpOptimizer(s.lr, s.weightDecay);
  try {
    return await trainFlowOnMoons(flags, {
      run: 'realnvp-moons',
      kind: REALNVP_KIND,
      config,
      params,
      opt,
      trainStep: (x) => realnvpTrainStep(def, params, opt, x),
      sample: (n, seed) => realnvpSample(def, params, n, seed),
      logProbRows: (rows, batch) => realnvpLogProbRows(def, params, rows, batch),
      epochs: DEFAULT_EPOCHS,
      plotEvery: s.plotEvery,
      valEvery: s.valEvery,
    }, moons);
  } finally {
    opt.dispose();
    for (const v of params.values()) v.dispose();
  }
}

export const realnvpMoonsRun: RunDefinition = { name: 'realnvp-moons', description: 'RealNVP (affine couplings) on two moons; reports test log-likelihood', train: trainRealNvpMoons };
