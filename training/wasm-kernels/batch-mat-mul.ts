/**
 * BatchMatMul with transposed operands. Upstream's wasm kernel reaches XNNPACK's GEMM only when neither operand is
 * transposed (and the batch is 1); otherwise it runs a scalar loop at ~1-2 GFLOP/s, and every matMul gradient
 * transposes. Materialising the transpose (memory-bound, O(size)) and taking the fast path is far cheaper.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BackendWasm, dispose, input, runUpstream, transpose } from './calls';

function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

export function batchMatMul(args: { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs: tf.NamedAttrMap }): tf.TensorInfo {
  const { backend } = args;
  const a = input(tf.BatchMatMul, args.inputs, 'a');
  const b = input(tf.BatchMatMul, args.inputs, 'b');
  const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
  if (!transposeA && !transposeB) return runUpstream(tf.BatchMatMul, backend, { a, b }, { transposeA, transposeB });
  const temps: tf.TensorInfo[] = [];
  const a2 = transposeA ? transpose(backend, a, swapLastTwo(a.shape.length)) : a;
  if (transposeA) temps.push(a2);
  const b2 = transposeB ? transpose(backend, b, swapLastTwo(b.shape.length)) : b;
  if (transposeB) temps.push(b2);
  try {
    return runUpstream(tf.BatchMatMul, backend, { a: a2, b: b2 }, { transposeA: false, transposeB: false });
  } finally {
    dispose(backend, ...temps);
  }
}

export const batchMatMulConfig: tf.KernelConfig = {
  kernelName: tf.BatchMatMul,
  backendName: 'wasm',
  kernelFunc: batchMatMul as unknown as tf.KernelFunc,
};
