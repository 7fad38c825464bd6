/**
 * A tiny regression model (3 -> 8 -> 1 dense, Adam) trained through runTraining, for the harness tests and for
 * the child process of the SIGINT test. Every step draws input noise from the loop's rng, so a resume that lost
 * the noise state (or the data order, or Adam's state) would end with different weights.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../../../runtime/core/random';
import { initBackend } from '../../../training/backend';
import { gatherRows } from '../../../training/data/batches';
import { runTraining, STREAM_INIT, type HookResult, type TrainingResult } from '../../../training/harness/loop';
import { applyStack, initParams, type Params, type Stack, trainable } from '../../../training/nets/layers';

export const TINY_STACK: Stack = [
  { kind: 'dense', name: 'tiny.d1', inFeatures: 3, units: 8 },
  { kind: 'relu' },
  { kind: 'dense', name: 'tiny.d2', inFeatures: 8, units: 1 },
];

/** y = 0.5 x0 - x1 + 0.25 x2^2 + 0.1 e, x ~ N(0, I): [n, 3] and [n, 1]. */
export function tinyData(n: number, seed: number): { x: Float32Array; y: Float32Array } {
  const r = new Random(seed);
  const x = r.fillNormal(new Float32Array(n * 3));
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) y[i] = 0.5 * x[i * 3] - x[i * 3 + 1] + 0.25 * x[i * 3 + 2] ** 2 + 0.1 * r.normal();
  return { x, y };
}

export interface TinyOptions {
  runDir: string;
  steps?: number;
  epochs?: number;
  seed?: number;
  batchSize?: number;
  n?: number;
  resume?: boolean;
  fresh?: boolean;
  checkpointEvery?: number;
  logEvery?: number;
  lr?: number;
  handleSignals?: boolean;
  progress?: 'auto' | 'bar' | 'lines' | 'none';
  resumeCommand?: string;
  /** Abort (like Ctrl-C) once this many steps have run in this call. */
  stopAfter?: number;
  /** Throw from inside the step with this index (a crash: no final checkpoint). */
  crashAt?: number;
  /** Report a NaN loss at the step with this index. */
  nanAt?: number;
  /** Sleep this long after every step (gives a signal time to arrive in the child-process test). */
  slowMs?: number;
  best?: boolean;
  patience?: number;
  /** Called after every step with the number of live tensors. */
  onTensors?: (step: number, numTensors: number) => void;
}

export interface TinyRun {
  result: TrainingResult;
  params: Params;
  opt: tf.Optimizer;
  dispose(): void;
}

export async function trainTiny(o: TinyOptions): Promise<TinyRun> {
  await initBackend({ backend: 'cpu', quiet: true }); // also registers tfjs' gradients
  const seed = o.seed ?? 1;
  const n = o.n ?? 96;
  const { x, y } = tinyData(n, 1000 + seed);
  const val = tinyData(32, 2000 + seed);
  const params = initParams(TINY_STACK, new Random(seed, STREAM_INIT));
  const opt = tf.train.adam(o.lr ?? 0.01);
  const vars = trainable(params);
  const abort = new AbortController();
  let ran = 0;
  const mse = (xs: Float32Array, ys: Float32Array, rows: number) =>
    tf.mean(tf.square(tf.sub(applyStack(TINY_STACK, params, tf.tensor2d(xs, [rows, 3]), { training: true }), tf.tensor2d(ys, [rows, 1])))) as tf.Scalar;
  const dispose = () => {
    for (const v of params.values()) v.dispose();
    opt.dispose();
  };
  try {
    const result = await runTraining({
      runDir: o.runDir,
      kind: 'tiny-regression',
      config: { stack: TINY_STACK, lr: o.lr ?? 0.01 },
      params,
      optimizers: { adam: opt },
      data: { n, batchSize: o.batchSize ?? 16 },
      seed,
      steps: o.steps,
      epochs: o.epochs,
      resume: o.resume,
      fresh: o.fresh,
      checkpointEvery: o.checkpointEvery ?? 10,
      logEvery: o.logEvery ?? 5,
      handleSignals: o.handleSignals ?? false,
      progress: o.progress ?? 'none',
      signal: abort.signal,
      resumeCommand: o.resumeCommand ?? 'tiny --resume',
      step: ({ step, batch, rng }) => {
        if (step === o.crashAt) throw new Error(`simulated crash at step ${step}`);
        const xb = gatherRows(x, 3, batch);
        const yb = gatherRows(y, 1, batch);
        const noise = rng.fillNormal(new Float32Array(xb.length), 0, 0.05);
        for (let i = 0; i < xb.length; i++) xb[i] += noise[i];
        const loss = opt.minimize(() => mse(xb, yb, batch.length), true, vars)!;
        return { mse: step === o.nanAt ? tf.scalar(NaN) : loss };
      },
      onEpochEnd: (): HookResult => ({ val_mse: tf.tidy(() => mse(val.x, val.y, 32).dataSync()[0]) }),
      best: o.best ? { metric: 'val_mse', mode: 'min', patience: o.patience } : undefined,
      every: {
        steps: 1,
        run: async ({ step }) => {
          ran += 1;
          o.onTensors?.(step, tf.memory().numTensors);
          if (o.slowMs) await new Promise((r) => setTimeout(r, o.slowMs));
          if (o.stopAfter !== undefined && ran >= o.stopAfter) abort.abort();
        },
      },
    });
    return { result, params, opt, dispose };
  } catch (err) {
    dispose();
    throw err;
  }
}
