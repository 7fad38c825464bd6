/**
 * runTraining: the one training loop every model uses (MAF flows, GANs).
 *
 *   const result = await runTraining({
 *     runDir: 'runs/maf-moons',                 // checkpoint.ckpt, best.ckpt, metrics.jsonl, loss.svg go here
 *     kind: 'maf', config,                      // stored in every checkpoint; export rebuilds the net from them
 *     params,                                   // Params: everything to checkpoint (G and D together for a GAN)
 *     optimizers: { adam },                     // or { d: adamD, g: adamG }; restored on resume
 *     data: { n: 24000, batchSize: 100, dropLast: false },
 *     seed, epochs: 20,                         // or steps: 5000 (steps wins when both are given)
 *     step: ({ batch, rng, step, epoch }) => ({ nll: adam.minimize(() => nll(gather(batch)), true, vars)! }),
 *     onEpochEnd: async () => ({ val_nll: validationNll() }),
 *     best: { metric: 'val_nll', mode: 'min' },
 *     every: { steps: 500, run: async ({ step }) => writeSampleGrid(step) },
 *     resume, fresh, resumeCommand: 'dgm train maf-moons --resume',
 *   });
 *
 * The contract, step by step:
 * - Before: initBackend() (training/backend.ts) has run; it also loads tfjs' gradients, which the loop checks for.
 *   `params` holds every variable of the model (trainable or not, all networks of a GAN, names unique); it is what
 *   the checkpoint stores and what optimizer slots are checked against. The optimizers must be fresh (0 steps).
 * - Data order: step s belongs to epoch e = floor(s / S) (S = batchCount(n, batchSize, dropLast)) and uses batch
 *   s mod S of batchOrder(n, batchSize, seed, e, dropLast). `step` receives those example indices and gathers its
 *   own rows (and labels) from its arrays.
 * - Noise: `ctx.rng` is the loop's Random (seed, stream STREAM_NOISE); every random draw of a training step must
 *   come from it, because its state is what the checkpoint stores. Hooks must NOT draw from it (they would shift
 *   the training noise); a sample grid uses its own fixed `new Random(seed, k)` so grids are comparable over time.
 *   Initial weights are the run's business: use `new Random(seed, STREAM_INIT)`.
 * - `step` runs inside tf.tidy and must be synchronous; it applies its own optimizer updates (opt.minimize with
 *   returnCost) and returns named scalar losses (a GAN: { d_loss, g_loss }; a subset is fine on steps that skip a
 *   part, e.g. WGAN-GP's generator step every n_critic steps). Losses are averaged over `logEvery` steps and over
 *   each epoch into metrics.jsonl.
 * - After a step: a non-finite loss stops the run at once (no checkpoint is written, so the last good one stays);
 *   otherwise the interval record, then at the end of an epoch `onEpochEnd` (validation metrics, logged with the
 *   epoch's mean losses), then `every.run` every `every.steps` steps (its metrics, if any, are logged as 'eval'),
 *   then the checkpoint every `checkpointEvery` steps, at every epoch end and when the run stops. `best` is checked
 *   against every logged metric of that name; an improvement writes best.ckpt; `patience` evaluations without
 *   improvement stop the run early.
 * - Ctrl-C (SIGINT) or SIGTERM, or `signal` aborting: the current step and its hooks finish, a checkpoint is
 *   written, and the result says how to resume (a second Ctrl-C exits at once without saving). The loop yields to
 *   the event loop after each step so the signal is seen.
 * - Resume: loads checkpoint.ckpt into `params` and the (fresh) optimizers, restores the noise state and the
 *   running metric sums, drops metrics.jsonl records after the checkpoint, and continues with step
 *   `checkpoint.step`: the parameters at the end equal an uninterrupted run's bit for bit on a deterministic
 *   backend. The checkpoint's kind, config, seed and data spec must equal this run's; `epochs`/`steps` may grow.
 *   Without `resume`, an existing checkpoint is an error unless `fresh` (which starts over and deletes it).
 * - At the end (complete, stopped early, interrupted or diverged) loss.svg is drawn from metrics.jsonl. Final
 *   sample grids or scatter plots are the run's to draw after runTraining returns (params hold the last weights).
 * - Random streams: batchOrder uses Random(seed, epoch) for epoch 0, 1, ...; STREAM_NOISE and STREAM_INIT are far
 *   from those, so noise, init and data order never share a stream.
 * The result's `status` is 'completed' | 'stopped-early' | 'interrupted' | 'diverged'; `message` says what happened
 * and, when interrupted, how to resume. Callers choose the exit code (the CLI: 0, 0, 130, 1).
 */
import { checkSeed } from '../../runtime/core/checks';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../../runtime/core/random';
import type { Params } from '../nets/layers';
import { batchCount, batchOrder } from '../data/batches';
import { type Checkpoint, type CheckpointTensor, loadOptimizer, loadParams, optimizerToTensors, readCheckpoint, readParamsToTensors, writeCheckpoint } from './checkpoint';
import { appendMetrics, checkMetricNames, makeRecord, type MetricsType, readMetrics, truncateMetrics } from './metrics-log';
import { createProgress, type ProgressMode, type ProgressReporter } from './progress';
import { writeLossPlot } from './plots';
import { startRunStatus } from './run-status';

/** Random stream of the per-step noise (the loop's `ctx.rng`). */
export const STREAM_NOISE = 0x6e6f6973;
/** Suggested Random stream for a run's initial weights: `new Random(seed, STREAM_INIT)`. */
export const STREAM_INIT = 0x696e6974;

export const CHECKPOINT_FILE = 'checkpoint.ckpt';
export const BEST_FILE = 'best.ckpt';
export const METRICS_FILE = 'metrics.jsonl';
export const LOSS_PLOT_FILE = 'loss.svg';

export interface DataSpec {
  /** Number of training examples. */
  n: number;
  batchSize: number;
  /** Drop the last short batch of each epoch (default false). */
  dropLast?: boolean;
}

export interface StepContext {
  /** 0-based index of this step over the whole run. */
  step: number;
  /** 0-based epoch of this step. */
  epoch: number;
  stepInEpoch: number;
  /** Example indices of this step's batch: [batchSize] (shorter for a last batch unless dropLast). */
  batch: Int32Array;
  /** The per-step noise source; its state is checkpointed. */
  rng: Random;
}

/** Named scalar losses of one step. */
export type Losses = Record<string, tf.Scalar | number>;

export interface HookContext {
  /** Steps completed. */
  step: number;
  /** Epochs completed (fractional inside an epoch). */
  epoch: number;
  runDir: string;
  /** Print a line without tearing the progress bar. */
  log: (line: string) => void;
}

export type HookResult = Record<string, number> | void | undefined;

export interface BestSpec {
  metric: string;
  mode: 'min' | 'max';
  /** Stop after this many evaluations of `metric` without improvement. */
  patience?: number;
}

export interface TrainingSpec {
  runDir: string;
  kind: string;
  /** Kinds older code wrote for this run's checkpoints (the GAN variants before the family kind): resume accepts them. */
  legacyKinds?: readonly string[];
  config: unknown;
  params: Params;
  optimizers: Record<string, tf.Optimizer>;
  data: DataSpec;
  seed: number;
  epochs?: number;
  steps?: number;
  step: (ctx: StepContext) => Losses;
  onEpochEnd?: (ctx: HookContext) => HookResult | Promise<HookResult>;
  every?: { steps: number; run: (ctx: HookContext) => HookResult | Promise<HookResult> };
  best?: BestSpec;
  /** Default 500 (also at each epoch end and when stopping). */
  checkpointEvery?: number;
  /** Steps per 'train' metrics record and per progress line when not on a terminal; default 50. */
  logEvery?: number;
  resume?: boolean;
  fresh?: boolean;
  /** Extra JSON-able facts for the checkpoint (e.g. data normalisation); the loop adds its own under `harness`. */
  meta?: Record<string, unknown>;
  signal?: AbortSignal;
  /** Stop as if interrupted once this many steps are done (tests of resume: the same run, cut short). */
  stopAfterSteps?: number;
  /** Handle SIGINT/SIGTERM as described above (default true; tests pass false and use `signal`). */
  handleSignals?: boolean;
  progress?: ProgressMode;
  /** Shown after an interrupt; default `--resume` advice without a command. */
  resumeCommand?: string;
  /** Prefix of progress lines; default the run folder's name. */
  label?: string;
}

export type TrainingStatus = 'completed' | 'stopped-early' | 'interrupted' | 'diverged';

export interface TrainingResult {
  status: TrainingStatus;
  /** Steps completed (for 'diverged': including the step that produced the bad loss). */
  step: number;
  epoch: number;
  runDir: string;
  /** The last checkpoint on disk (null when none was written). */
  checkpoint: string | null;
  best: { metric: string; value: number; step: number } | null;
  message: string;
}

interface Sums {
  sum: Record<string, number>;
  count: Record<string, number>;
}

/** What the loop keeps in the checkpoint's meta.harness so a resumed run behaves as if never stopped. */
interface HarnessMeta {
  version: 1;
  seed: number;
  data: { n: number; batchSize: number; dropLast: boolean };
  optimizers: Record<string, string>;
  interval: Sums;
  epochSums: Sums;
  best: { metric: string; mode: 'min' | 'max'; value: number; step: number; sinceBest: number } | null;
}

function emptySums(): Sums {
  return { sum: {}, count: {} };
}

function addTo(s: Sums, values: Record<string, number>): void {
  for (const [k, v] of Object.entries(values)) {
    s.sum[k] = (s.sum[k] ?? 0) + v;
    s.count[k] = (s.count[k] ?? 0) + 1;
  }
}

function means(s: Sums): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(s.sum)) out[k] = s.sum[k] / s.count[k];
  return out;
}

/** JSON with sorted keys, to compare configs regardless of key order. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x,
  );
}

function differingKeys(a: unknown, b: unknown): string[] {
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].filter((k) => canonical((a as Record<string, unknown>)[k]) !== canonical((b as Record<string, unknown>)[k]));
  }
  return canonical(a) === canonical(b) ? [] : ['(whole value)'];
}

function checkSpec(s: TrainingSpec): void {
  const bad = (what: string) => new Error(`runTraining(${s.runDir}): ${what}`);
  if (!s.runDir) throw bad('runDir is required');
  if (!Number.isInteger(s.data?.n) || s.data.n <= 0) throw bad(`data.n must be a positive integer, got ${s.data?.n}`);
  if (!Number.isInteger(s.data.batchSize) || s.data.batchSize <= 0) throw bad(`data.batchSize must be a positive integer, got ${s.data.batchSize}`);
  if (!Number.isFinite(s.seed)) throw bad(`seed must be a number, got ${s.seed}`);
  if (s.steps === undefined && s.epochs === undefined) throw bad('give epochs or steps');
  if (s.steps !== undefined && (!Number.isInteger(s.steps) || s.steps <= 0)) throw bad(`steps must be a positive integer, got ${s.steps}`);
  if (s.epochs !== undefined && (!Number.isInteger(s.epochs) || s.epochs <= 0)) throw bad(`epochs must be a positive integer, got ${s.epochs}`);
  for (const [k, v] of [['checkpointEvery', s.checkpointEvery], ['logEvery', s.logEvery], ['every.steps', s.every?.steps]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v <= 0)) throw bad(`${k} must be a positive integer, got ${v}`);
  }
  if (Object.keys(s.optimizers).length === 0) throw bad('at least one optimizer is required');
  for (const name of Object.keys(s.optimizers)) {
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw bad(`optimizer name ${JSON.stringify(name)} must be letters, digits, _ . -`);
  }
  for (const name of s.params.keys()) if (name.startsWith('opt/')) throw bad(`parameter name ${name} uses the reserved prefix opt/`);
  try {
    checkSeed(s.seed);
  } catch (err) {
    throw bad((err as Error).message);
  }
  if (s.resume && s.fresh) throw bad('resume and fresh exclude each other');
}

export async function runTraining(spec: TrainingSpec): Promise<TrainingResult> {
  checkSpec(spec);
  if (!tf.getGradient('Sum')) {
    // tfjs-core's CommonJS build ships no gradients; initBackend (training/backend.ts) loads them.
    throw new Error('runTraining: tfjs gradients are not registered; call initBackend() from training/backend.ts first');
  }
  const runDir = path.resolve(spec.runDir);
  fs.mkdirSync(runDir, { recursive: true });
  const ckptFile = path.join(runDir, CHECKPOINT_FILE);
  const bestFile = path.join(runDir, BEST_FILE);
  const metricsFile = path.join(runDir, METRICS_FILE);
  const dropLast = spec.data.dropLast ?? false;
  const { n, batchSize } = spec.data;
  const stepsPerEpoch = batchCount(n, batchSize, dropLast);
  if (stepsPerEpoch === 0) throw new Error(`runTraining(${spec.runDir}): ${n} examples make no full batch of ${batchSize}`);
  const total = spec.steps ?? spec.epochs! * stepsPerEpoch;
  const logEvery = spec.logEvery ?? 50;
  const checkpointEvery = spec.checkpointEvery ?? 500;
  const rng = new Random(spec.seed, STREAM_NOISE);
  const optimizerClasses = Object.fromEntries(Object.entries(spec.optimizers).map(([k, o]) => [k, o.getClassName()]));

  let h: HarnessMeta = {
    version: 1,
    seed: spec.seed,
    data: { n, batchSize, dropLast },
    optimizers: optimizerClasses,
    interval: emptySums(),
    epochSums: emptySums(),
    best: null,
  };
  let step = 0;
  let lastCheckpoint: string | null = null;

  if (spec.resume) {
    if (!fs.existsSync(ckptFile)) throw new Error(`nothing to resume: ${ckptFile} does not exist (start without --resume)`);
    const ck = readCheckpoint(ckptFile);
    const where = `cannot resume from ${ckptFile}`;
    if (ck.kind !== spec.kind && !spec.legacyKinds?.includes(ck.kind)) throw new Error(`${where}: it holds a ${JSON.stringify(ck.kind)} model, this run trains ${JSON.stringify(spec.kind)}`);
    const diff = differingKeys(ck.config, spec.config);
    if (diff.length) throw new Error(`${where}: its config differs in ${diff.join(', ')}; resume with the same settings or start over with --fresh`);
    const saved = ck.meta.harness as HarnessMeta | undefined;
    if (!saved || saved.version !== 1) throw new Error(`${where}: it has no training-loop state (meta.harness); was it written by runTraining?`);
    if (saved.seed !== spec.seed) throw new Error(`${where}: it was trained with seed ${saved.seed}, this run has seed ${spec.seed}`);
    if (canonical(saved.data) !== canonical(h.data)) throw new Error(`${where}: its data spec ${canonical(saved.data)} differs from this run's ${canonical(h.data)}`);
    if (canonical(saved.optimizers) !== canonical(optimizerClasses)) {
      throw new Error(`${where}: its optimizers ${canonical(saved.optimizers)} differ from this run's ${canonical(optimizerClasses)}`);
    }
    loadParams(spec.params, ck.tensors, ckptFile);
    for (const [name, opt] of Object.entries(spec.optimizers)) await loadOptimizer(name, opt, ck.tensors, spec.params, ckptFile);
    rng.setState(ck.rng);
    h = { ...saved, best: saved.best && spec.best && saved.best.metric === spec.best.metric ? saved.best : null };
    step = ck.step;
    lastCheckpoint = ckptFile;
    truncateMetrics(metricsFile, step);
  } else {
    if (fs.existsSync(ckptFile) && !spec.fresh) {
      throw new Error(`${runDir} already holds a checkpoint; continue it with --resume or start over with --fresh (deletes it)`);
    }
    for (const f of [ckptFile, bestFile, metricsFile]) fs.rmSync(f, { force: true });
  }

  const label = spec.label ?? path.basename(runDir);
  const progress: ProgressReporter = createProgress({ mode: spec.progress ?? 'auto', label, total, start: step, lineEvery: logEvery });
  const log = (line: string) => progress.log(line);
  // run.json tells `dgm serve`'s runs view the run's target and, at the end, how this session ended.
  const endStatus = startRunStatus(runDir, { kind: typeof spec.meta?.run === 'string' ? spec.meta.run : spec.kind, label, totalSteps: total, stepsPerEpoch, logEvery, startStep: step, resumeCommand: spec.resumeCommand });
  if (spec.resume) log(`${label}: resumed from ${ckptFile} at step ${step} (epoch ${fmtEpoch(step / stepsPerEpoch)})`);

  const stopper = new AbortController();
  const onAbort = () => stopper.abort();
  spec.signal?.addEventListener('abort', onAbort);
  if (spec.signal?.aborted) stopper.abort();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals += 1;
    if (signals === 1) {
      log(`\n${label}: ${sig} received: finishing the current step and saving a checkpoint (again to quit without saving)`);
      stopper.abort();
    } else {
      progress.stop();
      process.stderr.write(`${label}: second ${sig}: exiting without saving; the last checkpoint is ${lastCheckpoint ?? '(none)'}\n`);
      process.exit(130);
    }
  };
  const handleSignals = spec.handleSignals ?? true;
  if (handleSignals) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }

  const snapshot = async (file: string, completed: number): Promise<void> => {
    const tensors: CheckpointTensor[] = await readParamsToTensors(spec.params);
    for (const [name, opt] of Object.entries(spec.optimizers)) tensors.push(...(await optimizerToTensors(name, opt)));
    const ck: Checkpoint = {
      kind: spec.kind,
      config: spec.config,
      step: completed,
      epoch: Math.floor(completed / stepsPerEpoch),
      tensors,
      rng: rng.getState(),
      meta: { ...(spec.meta ?? {}), harness: h },
    };
    writeCheckpoint(file, ck);
  };

  const record = (type: MetricsType, values: Record<string, number>): void => {
    appendMetrics(metricsFile, makeRecord(type, step, step / stepsPerEpoch, values));
  };

  let earlyStop = false;
  const considerBest = async (values: Record<string, number>): Promise<void> => {
    const b = spec.best;
    if (!b || !(b.metric in values)) return;
    const v = values[b.metric];
    const improved = Number.isFinite(v) && (!h.best || (b.mode === 'min' ? v < h.best.value : v > h.best.value));
    if (improved) {
      h.best = { metric: b.metric, mode: b.mode, value: v, step, sinceBest: 0 };
      await snapshot(bestFile, step);
    } else if (h.best) {
      h.best.sinceBest += 1;
    }
    if (b.patience !== undefined && h.best && h.best.sinceBest >= b.patience) {
      earlyStop = true;
      log(`${label}: ${b.metric} has not improved for ${b.patience} evaluations (best ${h.best.value} at step ${h.best.step}): stopping early`);
    }
  };

  const hookCtx = (): HookContext => ({ step, epoch: step / stepsPerEpoch, runDir, log });
  const runHook = async (fn: (c: HookContext) => HookResult | Promise<HookResult>, type: MetricsType, extra: Record<string, number>, what: string) => {
    const got = (await fn(hookCtx())) ?? {};
    checkMetricNames(got, what);
    const clash = Object.keys(got).filter((k) => k in extra);
    if (clash.length) throw new Error(`${what} returned ${clash.join(', ')}, which are also loss names; name validation metrics e.g. val_<name>`);
    const values = { ...extra, ...got };
    if (Object.keys(values).length) record(type, values);
    await considerBest(values);
  };

  let status: TrainingStatus = 'completed';
  let message = '';
  let batches: Int32Array[] = [];
  let batchesEpoch = -1;
  try {
    if (step >= total) {
      message = `${label}: already trained ${step} steps (target ${total}); nothing to do`;
    }
    while (step < total) {
      const epoch = Math.floor(step / stepsPerEpoch);
      const stepInEpoch = step % stepsPerEpoch;
      if (epoch !== batchesEpoch) {
        batches = batchOrder(n, batchSize, spec.seed, epoch, dropLast);
        batchesEpoch = epoch;
      }
      const ctx: StepContext = { step, epoch, stepInEpoch, batch: batches[stepInEpoch], rng };
      const out = tf.tidy(() => spec.step(ctx));
      const values = await readLosses(out, `step ${step}`);
      step += 1;

      const bad = Object.entries(values).filter(([, v]) => !Number.isFinite(v));
      if (bad.length) {
        record('diverged', values);
        status = 'diverged';
        message =
          `${label}: ${bad.map(([k, v]) => `loss ${k} = ${v}`).join(', ')} at step ${step - 1} (epoch ${epoch}); training stopped. ` +
          (lastCheckpoint ? `The last good checkpoint is ${lastCheckpoint} (kept as it was).` : 'No checkpoint had been written yet.') +
          ' Try a lower learning rate or check the data.';
        break;
      }
      addTo(h.interval, values);
      addTo(h.epochSums, values);
      // The bar and log lines show the running mean of the current interval: single-step losses are too noisy.
      const shown = means(h.interval);
      if (step % logEvery === 0) {
        record('train', shown);
        h.interval = emptySums();
      }
      const epochEnded = stepInEpoch === stepsPerEpoch - 1;
      if (epochEnded) {
        const epochMeans = means(h.epochSums);
        h.epochSums = emptySums();
        if (spec.onEpochEnd) await runHook(spec.onEpochEnd, 'epoch', epochMeans, 'onEpochEnd');
        else record('epoch', epochMeans);
      }
      if (spec.every && step % spec.every.steps === 0) await runHook(spec.every.run, 'eval', {}, 'every.run');
      progress.update({ step, epoch: Math.floor(step / stepsPerEpoch), losses: shown });

      // Let a pending SIGINT/SIGTERM handler run before deciding whether to stop.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (spec.stopAfterSteps !== undefined && step >= spec.stopAfterSteps) stopper.abort();
      const done = step >= total;
      const interrupted = !done && stopper.signal.aborted;
      if (done && Object.keys(h.interval.sum).length) {
        record('train', means(h.interval));
        h.interval = emptySums();
      }
      if (done || interrupted || earlyStop || epochEnded || step % checkpointEvery === 0) {
        await snapshot(ckptFile, step);
        lastCheckpoint = ckptFile;
      }
      if (interrupted) {
        status = 'interrupted';
        message =
          `${label}: interrupted after step ${step} of ${total} (epoch ${fmtEpoch(step / stepsPerEpoch)}); checkpoint saved to ${ckptFile}. ` +
          (spec.resumeCommand ? `Resume with: ${spec.resumeCommand}` : 'Resume by running the same command with --resume.');
        break;
      }
      if (earlyStop && !done) {
        status = 'stopped-early';
        message = `${label}: stopped early at step ${step} (epoch ${fmtEpoch(step / stepsPerEpoch)}); best ${h.best!.metric} ${h.best!.value} at step ${h.best!.step} in ${bestFile}`;
        break;
      }
    }
    if (status === 'completed' && !message) {
      message =
        `${label}: finished ${step} steps (${fmtEpoch(step / stepsPerEpoch)} epochs); checkpoint ${ckptFile}` +
        (h.best ? `; best ${h.best.metric} ${h.best.value} at step ${h.best.step} in ${bestFile}` : '');
    }
  } finally {
    progress.stop();
    if (handleSignals) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    spec.signal?.removeEventListener('abort', onAbort);
  }
  const plot = path.join(runDir, LOSS_PLOT_FILE);
  const records = readMetrics(metricsFile);
  if (records.length) await writeLossPlot(plot, records, { title: label });
  endStatus(status, step);
  return {
    status,
    step,
    epoch: Math.floor(step / stepsPerEpoch),
    runDir,
    checkpoint: lastCheckpoint,
    best: h.best ? { metric: h.best.metric, value: h.best.value, step: h.best.step } : null,
    message,
  };
}

function fmtEpoch(e: number): string {
  return Number.isInteger(e) ? String(e) : e.toFixed(2);
}

/** Read and dispose the step's losses (asynchronously: the webgpu backend has no synchronous read in Node). */
async function readLosses(out: Losses, where: string): Promise<Record<string, number>> {
  if (!out || typeof out !== 'object') throw new Error(`runTraining: the step function must return named losses, got ${String(out)} at ${where}`);
  const values: Record<string, number> = {};
  try {
    for (const [k, v] of Object.entries(out)) {
      if (typeof v === 'number') values[k] = v;
      else if (v instanceof tf.Tensor) {
        if (v.size !== 1) throw new Error(`runTraining: loss ${k} must be a scalar, got shape [${v.shape}] at ${where}`);
        values[k] = (await v.data())[0] as number;
      } else throw new Error(`runTraining: loss ${k} must be a tf.Scalar or a number at ${where}`);
    }
  } finally {
    for (const v of Object.values(out)) if (v instanceof tf.Tensor) v.dispose();
  }
  checkMetricNames(values, 'the step function');
  return values;
}
