/**
 * What `dgm train gan | cgan | wgan-gp` share: the Fashion-MNIST images in [-1, 1], the two networks of
 * families/gan/gan-nets.ts in one parameter map, one Adam per network (lr 1e-3, betas (0.5, 0.999), PyTorch's
 * epsilon 1e-8), batch 64 with the last short batch dropped (937 steps per epoch), one discriminator step then one
 * generator step per batch, on the same noise z. Every `gridEvery` steps a 10x10 grid of samples from fixed noise
 * (for the conditional model one class per column, one z per row) goes to samples-stepNNNNNN.png and samples.png.
 *
 * The checkpoint's kind is the family, 'gan' (older checkpoints carry the variant's name: 'gan', 'cgan', 'wgan-gp'),
 * and its config a GanRunConfig (conditional or not: `net.numClasses`; which loss: `loss`): `config.net` is the GanNetConfig export
 * rebuilds the networks from.
 *
 * Per step metrics: d_loss, g_loss, and for the non-saturating losses d_real / d_fake (mean sigmoid of the logits),
 * for WGAN-GP w_dist (mean D(x) - mean D(G(z)), the critic's Wasserstein estimate) and gp (the penalty).
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { latentNoise } from '../../runtime/core/noise';
import { Random } from '../../runtime/core/random';
import { batchCount, gatherRows } from '../../training/data/batches';
import { CLASS_NAMES, loadFashionMnist, toSymmetric } from '../../training/data/fashion-mnist';
import { writeFileAtomic } from '../../training/harness/atomic-write';
import { runTraining, STREAM_INIT, type TrainingResult } from '../../training/harness/loop';
import { writeImageGrid } from '../../training/harness/image-grid';
import { readAndDispose } from '../../training/harness/read';
import { trainable, type Params } from '../../training/nets/layers';
import { discriminate, GanDefinition, ganDefinition, GanNetConfig, generate, initGanParams } from './gan-nets';
import { GP_WEIGHT, gradientPenalty, nsDiscriminatorLoss, nsGeneratorLoss, wganCriticLoss, wganGeneratorLoss } from './gan-losses';
import { readSettings, type TrainFlags } from '../../training/harness/runs';
import { adam } from '../../training/optim/fused-adam';

export type GanLoss = 'non-saturating' | 'wgan-gp';

/** The checkpoint kind of every GAN run: the family's name. */
export const GAN_KIND = 'gan';

/** A GAN run recipe: conditional or not, which loss (families/gan/gan-runs.ts lists them). */
export interface GanVariant {
  name: string;
  description: string;
  conditional: boolean;
  loss: GanLoss;
  /** RunDefinition.ships. */
  ships?: 'float16' | 'float32';
}

export interface GanRunConfig {
  net: GanNetConfig;
  loss: GanLoss;
  train: { lr: number; beta1: number; beta2: number; epsilon: number; batch: number; dropLast: true; gpWeight?: number };
  data: { dataset: 'fashion-mnist'; split: 'train'; pixels: '[-1, 1]: x / 127.5 - 1'; classes: readonly string[] };
}

export const GAN_RUN_DEFAULTS = {
  lr: 1e-3,
  beta1: 0.5,
  beta2: 0.999,
  /** Output tanh on the generator (the course's has none). */
  tanh: false,
  /** cgan only: 'projection' (y^T (A phi + b)) or 'miyato' (psi(phi) + embed(y)^T phi). */
  head: 'projection',
  gpWeight: GP_WEIGHT,
  /** Steps between sample grids. */
  gridEvery: 50,
  /** Seed of the grid's fixed noise (runtime/core/noise latentNoise), independent of the training seed. */
  gridSeed: 2024,
};
export const DEFAULT_BATCH = 64;
export const DEFAULT_EPOCHS = 1;
export const GRID = 10;

/** The fixed grid inputs: z [100, dimZ] and, for a conditional model, labels [100] (row r = z_r, column c = class c). */
export function gridInputs(def: GanDefinition, seed: number): { z: Float32Array; labels: Int32Array | null } {
  const d = def.config.dimZ;
  if (def.config.numClasses === 0) return { z: latentNoise(seed, GRID * GRID, d), labels: null };
  if (def.config.numClasses !== GRID) throw new Error(`gridInputs: the class grid has ${GRID} columns, the model has ${def.config.numClasses} classes`);
  const rows = latentNoise(seed, GRID, d);
  const z = new Float32Array(GRID * GRID * d);
  const labels = new Int32Array(GRID * GRID);
  for (let r = 0; r < GRID; r++) {
    for (let c = 0; c < GRID; c++) {
      z.set(rows.subarray(r * d, (r + 1) * d), (r * GRID + c) * d);
      labels[r * GRID + c] = c;
    }
  }
  return { z, labels };
}

/** Samples for the grid with the running batch-norm statistics (inference mode: what an exported model gives). */
export async function sampleGrid(def: GanDefinition, gen: Params, inputs: { z: Float32Array; labels: Int32Array | null }): Promise<Float32Array> {
  return readAndDispose(tf.tidy(() => {
    const n = inputs.z.length / def.config.dimZ;
    const z = tf.tensor2d(inputs.z, [n, def.config.dimZ]);
    const y = inputs.labels ? tf.tensor1d(inputs.labels, 'int32') : null;
    return generate(def, gen, z, y, { training: false });
  }));
}

export function writeGrid(file: string, images: Float32Array, imageShape: readonly [number, number, number]): void {
  // The generator has no output squashing by default: values outside [-1, 1] are clipped to black / white.
  writeImageGrid(file, images, [GRID * GRID, ...imageShape], { range: [-1, 1], cols: GRID, pad: 2, scale: 2 });
}

export interface GanStepLosses {
  d_loss: tf.Scalar;
  g_loss: tf.Scalar;
  [k: string]: tf.Scalar | number;
}

/**
 * One training step: a discriminator update on (x, G(z)) then a generator update on the same z. `alpha` [B] is
 * WGAN-GP's interpolation draw. The generator runs twice on z (G does not change in between, so both passes see
 * the same batch statistics); only the second updates the batch-norm running statistics, once per step as in a
 * single PyTorch forward pass.
 */
export function ganStep(
  def: GanDefinition,
  gen: Params,
  disc: Params,
  opts: { d: tf.Optimizer; g: tf.Optimizer },
  loss: GanLoss,
  x: tf.Tensor4D,
  labels: tf.Tensor1D | null,
  z: tf.Tensor2D,
  alpha: tf.Tensor1D | null,
  gpWeight: number,
): GanStepLosses {
  const dVars = trainable(disc), gVars = trainable(gen);
  const D = (images: tf.Tensor) => discriminate(def, disc, images as tf.Tensor4D, labels);
  // Kept out of minimize's scope and read by the training loop with the losses (no synchronous read: webgpu).
  const extra: Record<string, tf.Scalar> = {};
  const fake = tf.tidy(() => generate(def, gen, z, labels, { training: true, updateStats: false }));
  const dLoss = opts.d.minimize(() => {
    const hReal = D(x), hFake = D(fake);
    if (loss === 'non-saturating') {
      extra.d_real = tf.keep(tf.mean(tf.sigmoid(hReal)) as tf.Scalar);
      extra.d_fake = tf.keep(tf.mean(tf.sigmoid(hFake)) as tf.Scalar);
      return nsDiscriminatorLoss(hReal, hFake);
    }
    if (!alpha) throw new Error('ganStep: WGAN-GP needs alpha');
    const w = wganCriticLoss(hReal, hFake);
    const gp = gradientPenalty(D, x, fake, alpha);
    extra.w_dist = tf.keep(tf.neg(w));
    extra.gp = tf.keep(gp);
    return tf.add(w, tf.mul(gp, gpWeight)) as tf.Scalar;
  }, true, dVars)!;
  fake.dispose();
  const gLoss = opts.g.minimize(() => {
    const h = D(generate(def, gen, z, labels, { training: true }));
    return loss === 'non-saturating' ? nsGeneratorLoss(h) : wganGeneratorLoss(h);
  }, true, gVars)!;
  return { d_loss: dLoss, g_loss: gLoss, ...extra };
}

export function makeAdam(lr: number, beta1: number, beta2: number): tf.Optimizer {
  return adam(lr, beta1, beta2, 1e-8);
}

export interface GanRunResult extends TrainingResult {
  secondsPerEpoch: number | null;
  stepsPerSecond: number | null;
}

export async function trainGanModel(variant: GanVariant, flags: TrainFlags): Promise<GanRunResult> {
  const model = variant.name;
  const s = readSettings(flags.set, GAN_RUN_DEFAULTS, { lr: '>0', beta1: '>=0', beta2: '>=0', gpWeight: '>=0', gridEvery: 'int>=1', gridSeed: 'int>=0' });
  const conditional = variant.conditional;
  if (s.head !== 'projection' && s.head !== 'miyato') throw new Error(`--set head=${s.head}: expected projection or miyato`);
  if (!conditional && flags.set.head !== undefined) throw new Error(`--set head: only a conditional model has a choice of head (${model} is not one)`);
  if (variant.loss !== 'wgan-gp' && flags.set.gpWeight !== undefined) throw new Error(`--set gpWeight: only the wgan-gp loss has a gradient penalty (${model} has the ${variant.loss} loss)`);
  for (const k of ['lr', 'beta1', 'beta2', 'gpWeight'] as const) {
    if (!(s[k] >= 0)) throw new Error(`--set ${k}=${s[k]}: expected a non-negative number`);
  }
  if (!Number.isInteger(s.gridEvery) || s.gridEvery <= 0) throw new Error(`--set gridEvery=${s.gridEvery}: expected a positive integer`);
  const batch = flags.batch ?? DEFAULT_BATCH;
  const loss: GanLoss = variant.loss;
  const def = ganDefinition({ numClasses: conditional ? 10 : 0, head: conditional ? (s.head as 'projection' | 'miyato') : 'dense', outputTanh: s.tanh });
  const config: GanRunConfig = {
    net: def.config,
    loss,
    train: { lr: s.lr, beta1: s.beta1, beta2: s.beta2, epsilon: 1e-8, batch, dropLast: true, ...(loss === 'wgan-gp' ? { gpWeight: s.gpWeight } : {}) },
    data: { dataset: 'fashion-mnist', split: 'train', pixels: '[-1, 1]: x / 127.5 - 1', classes: CLASS_NAMES },
  };

  const data = await loadFashionMnist({ dir: flags.data, split: 'train' });
  const images = toSymmetric(data.images);
  // The image shape is the data's: the networks' must match it.
  const [h, w, c] = def.imageShape;
  const pixels = h * w * c;
  if (data.rows !== h || data.cols !== w || data.images.length !== data.n * pixels) {
    throw new Error(`${model}: the data's images are ${data.rows}x${data.cols} (${data.images.length / data.n} values each), the networks take ${h}x${w}x${c}`);
  }
  const { gen, disc } = initGanParams(def, new Random(flags.seed, STREAM_INIT));
  const params: Params = new Map([...gen, ...disc]);
  const optD = makeAdam(s.lr, s.beta1, s.beta2), optG = makeAdam(s.lr, s.beta1, s.beta2);
  const grid = gridInputs(def, s.gridSeed);
  const stepsPerEpoch = batchCount(data.n, batch, true);
  const epochSeconds: number[] = [];
  let epochStart = Date.now();
  // Steps of the current epoch run by this process: a resumed run's first epoch is only partly timed here.
  let stepsThisEpoch = 0;
  let stepsTimed = 0, msTimed = 0;

  const result = await runTraining({
    runDir: flags.runDir,
    kind: GAN_KIND,
    legacyKinds: [model],
    config,
    params,
    optimizers: { d: optD, g: optG },
    data: { n: data.n, batchSize: batch, dropLast: true },
    seed: flags.seed,
    epochs: flags.steps === undefined ? flags.epochs ?? DEFAULT_EPOCHS : undefined,
    steps: flags.steps,
    step: ({ batch: idx, rng }) => {
      const t0 = Date.now();
      const b = idx.length;
      const x = tf.tensor4d(gatherRows(images, pixels, idx), [b, h, w, c]);
      const y = conditional ? tf.tensor1d(Int32Array.from(idx, (i) => data.labels[i]), 'int32') : null;
      const z = tf.tensor2d(rng.fillNormal(new Float32Array(b * def.config.dimZ)), [b, def.config.dimZ]);
      const alpha = loss === 'wgan-gp' ? tf.tensor1d(rng.fillUniform(new Float32Array(b))) : null;
      const out = ganStep(def, gen, disc, { d: optD, g: optG }, loss, x, y, z, alpha, s.gpWeight);
      stepsTimed += 1;
      stepsThisEpoch += 1;
      msTimed += Date.now() - t0;
      return out;
    },
    every: {
      steps: s.gridEvery,
      run: async ({ step, runDir }) => {
        const samples = await sampleGrid(def, gen, grid);
        writeGrid(path.join(runDir, `samples-step${String(step).padStart(6, '0')}.png`), samples, def.imageShape);
        writeGrid(path.join(runDir, 'samples.png'), samples, def.imageShape);
      },
    },
    onEpochEnd: (): Record<string, number> => {
      const seconds = (Date.now() - epochStart) / 1000;
      const whole = stepsThisEpoch === stepsPerEpoch;
      epochStart = Date.now();
      stepsThisEpoch = 0;
      if (!whole) return {};
      epochSeconds.push(seconds);
      return { epoch_seconds: seconds };
    },
    checkpointEvery: flags.checkpointEvery,
    logEvery: flags.logEvery,
    resume: flags.resume,
    fresh: flags.fresh,
    meta: { run: model, backend: flags.backend, classes: CLASS_NAMES },
    progress: flags.progress,
    resumeCommand: flags.resumeCommand,
    stopAfterSteps: flags.stopAfterSteps,
  });

  // The grid of the last weights: samples-final.png when the run completed, else under its step number.
  const finalSamples = await sampleGrid(def, gen, grid);
  const gridName = result.status === 'completed' ? 'samples-final.png' : `samples-step${String(result.step).padStart(6, '0')}.png`;
  writeGrid(path.join(flags.runDir, gridName), finalSamples, def.imageShape);
  writeGrid(path.join(flags.runDir, 'samples.png'), finalSamples, def.imageShape);
  // The run owns its variables: release them so another run can start in the same process.
  optD.dispose();
  optG.dispose();
  params.forEach((v) => v.dispose());

  const secondsPerEpoch = epochSeconds.length ? epochSeconds.reduce((a, b) => a + b, 0) / epochSeconds.length : null;
  const stepsPerSecond = msTimed > 0 ? (stepsTimed * 1000) / msTimed : null;
  const summary = {
    model,
    status: result.status,
    steps: result.step,
    stepsPerEpoch,
    secondsPerEpochThisProcess: secondsPerEpoch,
    stepsPerSecondThisProcess: stepsPerSecond,
    backend: flags.backend,
    grid: conditional ? `10x10, column c = class c (${CLASS_NAMES.join(', ')}), row r = noise z_r` : '10x10 from fixed noise',
    config,
  };
  writeFileAtomic(path.join(flags.runDir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  const timing =
    (secondsPerEpoch === null ? '' : `; ${secondsPerEpoch.toFixed(1)} s/epoch`) +
    (stepsPerSecond === null ? '' : `; ${stepsPerSecond.toFixed(2)} steps/s (training steps only)`) +
    ` on ${flags.backend}`;
  const line = `\n${model}: last 10x10 grid in ${path.join(flags.runDir, gridName)}${conditional ? ' (columns: ' + CLASS_NAMES.join(', ') + ')' : ''}${timing}`;
  return { ...result, message: result.message + line, secondsPerEpoch, stepsPerSecond };
}
