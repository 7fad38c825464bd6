/**
 * Training steps to time on each backend (`dgm bench backends`) and to list the kernels our models need
 * (training/wasm-kernels/coverage.ts). Each workload builds its model on the current tfjs backend from the project's
 * own definitions, draws its inputs from the seeded Random, and runs one full step per `step()` call: forward,
 * backward, optimizer update, finishing with a read of the loss so asynchronous backends are timed too. The models'
 * workloads live in their families (families/<family>/<family>-bench.ts); this file holds the interface, the
 * helpers and a small conv net that exercises the conv and matMul gradients on any backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../../runtime/core/random';
import { applyStack, initParams, Params, Stack, trainable } from '../nets/layers';
import { adam } from '../optim/fused-adam';

export interface Workload {
  /** What one step is, for the printed table. */
  title: string;
  /** Examples per step (for rows/s). */
  rows: number;
  /** One step, its loss read back; a Promise where the backend reads only asynchronously (webgpu in Node). */
  step(): void | Promise<void>;
  /** The trained variables, in a fixed order (tests compare them across backends). */
  variables(): tf.Variable[];
  dispose(): void;
}

/** Reads a minimize() loss back (so asynchronous backends are timed too) and frees it. */
export function readScalar(t: tf.Tensor | null): void {
  if (!t) throw new Error('optimizer.minimize returned no loss');
  t.dataSync();
  t.dispose();
}

/** A small conv classifier-shaped net (conv 3x3 same, conv 4x4 stride 2, dense) on 16x16 inputs: cheap enough
 *  for the plain-JS cpu backend, and it exercises both conv gradients and the matMul gradients. */
export function smallConvWorkload(opts: { batch?: number; seed?: number } = {}): Workload {
  const n = opts.batch ?? 16;
  const rng = new Random(opts.seed ?? 1);
  const stack: Stack = [
    { kind: 'conv2d', name: 'bench.small.conv1', inChannels: 1, filters: 8, kernel: 3, stride: 1, padding: 1 },
    { kind: 'relu' },
    { kind: 'conv2d', name: 'bench.small.conv2', inChannels: 8, filters: 16, kernel: 4, stride: 2, padding: 1 },
    { kind: 'leakyRelu', alpha: 0.1 },
    { kind: 'reshape', shape: [8 * 8 * 16] },
    { kind: 'dense', name: 'bench.small.fc', inFeatures: 8 * 8 * 16, units: 10 },
  ];
  const params = initParams(stack, rng);
  const x = tf.tensor4d(rng.fillUniform(new Float32Array(n * 16 * 16), -1, 1), [n, 16, 16, 1]);
  const target = tf.tensor2d(rng.fillNormal(new Float32Array(n * 10)), [n, 10]);
  const opt = adam(1e-3);
  return {
    title: `small conv net (conv3x3 1->8, conv4x4/2 8->16, dense 1024->10), batch ${n}`,
    rows: n,
    step: () => readScalar(opt.minimize(() => tf.mean(tf.square(tf.sub(applyStack(stack, params, x, { training: true }), target))) as tf.Scalar, true, trainable(params))),
    variables: () => trainable(params),
    dispose: () => {
      opt.dispose();
      tf.dispose([x, target]);
      disposeParams(params);
    },
  };
}

export function disposeParams(...maps: Params[]): void {
  for (const m of maps) for (const v of m.values()) v.dispose();
}

/** Reads the losses back (so a step is timed to completion) and disposes them; asynchronously on webgpu, whose
 *  Node backend has no synchronous read. */
export function readLosses(out: Record<string, tf.Scalar | number>): void | Promise<void> {
  const ts = Object.values(out).filter((v): v is tf.Scalar => v instanceof tf.Tensor);
  if (tf.getBackend() === 'webgpu') return Promise.all(ts.map((t) => t.data())).then(() => tf.dispose(ts));
  for (const t of ts) t.dataSync();
  tf.dispose(ts);
}

/**
 * Biases that a batch norm follows (in training mode it subtracts the batch mean, so their gradient is exactly 0 on
 * paper): what a backend computes for them is rounding noise, which Adam's first steps turn into +-lr moves.
 */
export function biasesBeforeBatchNorm(stack: Stack): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < stack.length; i++) {
    const l = stack[i];
    if (stack[i + 1].kind === 'batchNorm' && 'name' in l && (l.kind === 'dense' || l.kind === 'conv2d')) out.push(`${l.name}.bias`);
  }
  return out;
}
