/**
 * How fast a training step could be on a backend if everything but its matrix products were free: the step's GEMM
 * work (matMul and convolution kernels, forward and backward, counted from the shapes tf.profile records) divided by
 * the backend's measured GEMM rate. `dgm bench backends` prints it beside the speed targets, so a missed target can
 * be told apart: overhead we could remove, or arithmetic the backend cannot do faster.
 */
import * as tf from '@tensorflow/tfjs-core';
import { median } from './timing';

export interface ProfiledKernel {
  name: string;
  inputShapes: number[][];
  outputShapes: number[][];
}

const size = (s: number[] | undefined): number => (s ? s.reduce((a, b) => a * b, 1) : 0);
const last = (s: number[]): number => s[s.length - 1];

/**
 * Multiply-add FLOPs (2 per multiply-add) of one kernel call, 0 for kernels that are not products:
 *   BatchMatMul [..., m, k] x [..., k, n] -> [..., m, n]: 2 m k n per batch item, with k = (a's last two dims) / m
 *     whatever the transposes;
 *   Conv2D (x, filter [KH, KW, Cin, Cout]) -> y: 2 |y| KH KW Cin;
 *   Conv2DBackpropInput (dy, filter) and Conv2DBackpropFilter (x, dy) -> dW: 2 |dy| KH KW Cin, the forward's work.
 */
export function kernelFlops(k: ProfiledKernel): number {
  const [a, b] = k.inputShapes;
  const out = k.outputShapes[0];
  switch (k.name) {
    case 'BatchMatMul':
    case '_FusedMatMul': {
      // a's last two dims are m and k in some order (transposed or not); out's are m and n.
      const kDim = (a[a.length - 2] * last(a)) / out[out.length - 2];
      return 2 * size(out) * kDim;
    }
    case 'Conv2D':
    case 'FusedConv2D':
      return (2 * size(out) * size(b)) / last(b);
    case 'Conv2DBackpropInput':
      return (2 * size(a) * size(b)) / last(a);
    case 'Conv2DBackpropFilter':
      return (2 * size(b) * size(out)) / last(b);
    default:
      return 0;
  }
}

export function stepGemmFlops(kernels: ProfiledKernel[]): number {
  return kernels.reduce((s, k) => s + kernelFlops(k), 0);
}

/** FLOPs of one step, from one profiled run of `step` (run it warm: the profile also times it). */
export async function profileGemmFlops(step: () => void): Promise<number> {
  const info = await tf.profile(step);
  return stepGemmFlops(info.kernels as unknown as ProfiledKernel[]);
}

/** The current backend's GEMM rate, FLOP/s: median of `reps` products [m, k] x [k, n] (MADE-sized by default). */
export function measureGemmRate(m = 256, k = 1024, n = 1024, reps = 9): number {
  const a = tf.randomNormal([m, k]);
  const b = tf.randomNormal([k, n]);
  try {
    const time = () => {
      const t0 = performance.now();
      const c = tf.matMul(a, b);
      c.dataSync();
      c.dispose();
      return performance.now() - t0;
    };
    time();
    time();
    const ms = median(Array.from({ length: reps }, time));
    return (2 * m * k * n) / (ms / 1000);
  } finally {
    tf.dispose([a, b]);
  }
}
