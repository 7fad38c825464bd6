/**
 * BatchMatMul for webgpu: upstream's split-K program (chosen for one batch, an inner size of 2000 or more and few
 * output tiles, e.g. the gradient dA = dY B^T of a [2, 512] x [512, 3136] product) reads B wrongly when B is
 * transposed: relative errors near 1 against cpu on SwiftShader. For those shapes B is transposed first and the
 * product taken untransposed; every other case is upstream's kernel as it is.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Upstream's split-K program is only picked at or above this inner size. */
export const SPLIT_K_MIN_INNER = 2000;

let upstream: tf.KernelFunc | null = null;

export function saveUpstreamBatchMatMul(k: tf.KernelConfig): void {
  upstream = k.kernelFunc;
}

/** Whether a product would reach the split-K program with a transposed B. */
export function needsTransposedB(aShape: readonly number[], bShape: readonly number[], transposeA: boolean, transposeB: boolean): boolean {
  if (!transposeB) return false;
  const batch = aShape.slice(0, -2).reduce((p, d) => p * d, 1);
  const inner = transposeA ? aShape[aShape.length - 2] : aShape[aShape.length - 1];
  return batch <= 1 && bShape.slice(0, -2).reduce((p, d) => p * d, 1) <= 1 && inner >= SPLIT_K_MIN_INNER;
}

function batchMatMul(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo | tf.TensorInfo[] {
  if (!upstream) throw new Error('webgpu BatchMatMul: upstream kernel not saved (registerWebgpuKernels first)');
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const attrs = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
  if (!needsTransposedB(a.shape, b.shape, attrs.transposeA, attrs.transposeB)) return upstream(args);
  const r = b.shape.length;
  const perm = [...Array(r - 2).keys(), r - 1, r - 2];
  const bt = tf.engine().runKernel(tf.Transpose, { x: b } as unknown as tf.NamedTensorMap, { perm } as unknown as tf.NamedAttrMap) as tf.Tensor;
  try {
    return upstream({ ...args, inputs: { a, b: bt }, attrs: { ...args.attrs, transposeB: false } });
  } finally {
    bt.dispose();
  }
}

export const batchMatMulConfig: tf.KernelConfig = { kernelName: tf.BatchMatMul, backendName: 'webgpu', kernelFunc: batchMatMul as tf.KernelFunc };
