/**
 * BatchMatMul with transposed operands. Upstream's wasm kernel reaches XNNPACK's GEMM only when neither operand is
 * transposed and the batch is 1; otherwise it runs a scalar loop at ~1-2 GFLOP/s, and every matMul gradient
 * transposes. We materialise what the fast path needs with the wasm Transpose kernel.
 *
 * For a single product C[m,n] = op(A)[m,k] op(B)[k,n] there are two ways to get there, and the cheaper one depends
 * on the shapes (XNNPACK also repacks its right-hand operand on every call, since ours are new tensors each step):
 *   direct      C   = op(A) op(B):        transpose A if tA (mk), B if tB (kn); pack op(B) (kn)
 *   swapped     C^T = op(B)^T op(A)^T:    transpose B unless tB (kn), A unless tA (mk); pack op(A)^T (mk);
 *                                         transpose C^T back (mn)
 * For the input gradient of a dense layer, dy [N, out] x W^T with W [in, out], the swapped form moves batch-sized
 * tensors instead of transposing and packing the whole weight matrix.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BackendWasm, dispose, input, reshape, runUpstream, transpose } from './calls';

function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

/** Elements moved (transposed or packed) by each plan; exported for the tests. */
export function planCosts(m: number, k: number, n: number, tA: boolean, tB: boolean): { direct: number; swapped: number } {
  const direct = (tA ? m * k : 0) + (tB ? k * n : 0) + k * n;
  const swapped = (tB ? 0 : k * n) + (tA ? 0 : m * k) + m * k + m * n;
  return { direct, swapped };
}

export function batchMatMul(args: { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs: tf.NamedAttrMap }): tf.TensorInfo {
  const { backend } = args;
  const a = input(tf.BatchMatMul, args.inputs, 'a');
  const b = input(tf.BatchMatMul, args.inputs, 'b');
  const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
  if (!transposeA && !transposeB) return runUpstream(tf.BatchMatMul, backend, { a, b }, { transposeA, transposeB });
  const single = a.shape.length === 2 && b.shape.length === 2;
  if (single) {
    const m = transposeA ? a.shape[1] : a.shape[0];
    const k = transposeA ? a.shape[0] : a.shape[1];
    const n = transposeB ? b.shape[0] : b.shape[1];
    const cost = planCosts(m, k, n, transposeA, transposeB);
    if (cost.swapped < cost.direct) return swapped(backend, a, b, transposeA, transposeB);
  }
  return direct(backend, a, b, transposeA, transposeB);
}

function direct(backend: BackendWasm, a: tf.TensorInfo, b: tf.TensorInfo, tA: boolean, tB: boolean): tf.TensorInfo {
  const temps: tf.TensorInfo[] = [];
  const a2 = tA ? transpose(backend, a, swapLastTwo(a.shape.length)) : a;
  if (tA) temps.push(a2);
  const b2 = tB ? transpose(backend, b, swapLastTwo(b.shape.length)) : b;
  if (tB) temps.push(b2);
  try {
    return runUpstream(tf.BatchMatMul, backend, { a: a2, b: b2 }, { transposeA: false, transposeB: false });
  } finally {
    dispose(backend, ...temps);
  }
}

/** 2-D only: C = (op(B)^T op(A)^T)^T. op(B)^T is B itself when tB, op(A)^T is A itself when tA. */
function swapped(backend: BackendWasm, a: tf.TensorInfo, b: tf.TensorInfo, tA: boolean, tB: boolean): tf.TensorInfo {
  const left = tB ? b : transpose(backend, b, [1, 0]);
  const right = tA ? a : transpose(backend, a, [1, 0]);
  let cT: tf.TensorInfo;
  try {
    cT = runUpstream(tf.BatchMatMul, backend, { a: left, b: right }, { transposeA: false, transposeB: false });
  } finally {
    if (!tB) dispose(backend, left);
    if (!tA) dispose(backend, right);
  }
  const c2 = reshape(backend, cT, [cT.shape[cT.shape.length - 2], cT.shape[cT.shape.length - 1]]);
  dispose(backend, cT);
  const c = transpose(backend, c2, [1, 0]);
  dispose(backend, c2);
  return c;
}

export const batchMatMulConfig: tf.KernelConfig = {
  kernelName: tf.BatchMatMul,
  backendName: 'wasm',
  kernelFunc: batchMatMul as unknown as tf.KernelFunc,
};
