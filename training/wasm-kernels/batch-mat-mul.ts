/**
 * BatchMatMul through XNNPACK's GEMM. Upstream's wasm kernel reaches XNNPACK only when neither operand is transposed
 * and the batch is 1; otherwise it runs a scalar loop (docs/benchmarks.md), and every matMul gradient transposes. We
 * materialise what the fast path needs with our SIMD Transpose (transpose.ts).
 *
 * XNNPACK packs its right-hand operand for each new tensor, and ours are new every step (weights change, masked
 * weights are products). Packing costs about three times our transpose per element, so the plan is chosen
 * by elements moved, packs weighted 3 to 1:
 *   direct      C   = op(A) op(B):        transpose A if tA (mk), B if tB (kn); pack op(B) (kn)
 *   swapped     C^T = op(B)^T op(A)^T:    transpose B unless tB (kn), A unless tA (mk); pack op(A)^T (mk);
 *                                         transpose C^T back (mn)
 * For a dense layer at a small batch (x [N, in] . W [in, out]) the swapped form packs the batch instead of the
 * weight matrix; for its input gradient (dy . W^T) it never transposes the weight at all.
 *
 * XNNPACK keeps the packed operand of a plain product for as long as the tensor lives, so a right-hand operand that
 * is reused costs nothing after its first pack: a variable (a GAN's discriminator weight serves the real and the fake
 * batch) or a tensor we have already seen (a sampler's masked kernels, D passes) goes the direct way.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BackendWasm, dispose, input, reshape, runUpstream, transpose } from './calls';

function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

/** Cost of packing one element relative to transposing it (measured: docs/benchmarks.md). */
export const PACK_COST = 3;

/** Elements moved by each plan, packs weighted by PACK_COST; exported for the tests. */
export function planCosts(m: number, k: number, n: number, tA: boolean, tB: boolean): { direct: number; swapped: number } {
  const direct = (tA ? m * k : 0) + (tB ? k * n : 0) + PACK_COST * k * n;
  const swapped = (tB ? 0 : k * n) + (tA ? 0 : m * k) + PACK_COST * m * k + m * n;
  return { direct, swapped };
}

/** Right-hand operands of plain products seen so far (dataIds are objects that die with their tensor). */
const seenRight = new WeakSet<object>();

/** Whether a plain product's right-hand operand will likely be used again, so that XNNPACK's cached pack is free. */
function reusedRight(b: tf.TensorInfo): boolean {
  const id = b.dataId as object;
  if (seenRight.has(id)) return true;
  seenRight.add(id);
  return Object.values(tf.engine().registeredVariables).some((v) => v.dataId === id);
}

export function batchMatMul(args: { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs: tf.NamedAttrMap }): tf.TensorInfo {
  const { backend } = args;
  const a = input(tf.BatchMatMul, args.inputs, 'a');
  const b = input(tf.BatchMatMul, args.inputs, 'b');
  const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
  const plain = !transposeA && !transposeB;
  const single = a.shape.length === 2 && b.shape.length === 2;
  if (single && !(plain && reusedRight(b))) {
    const m = transposeA ? a.shape[1] : a.shape[0];
    const k = transposeA ? a.shape[0] : a.shape[1];
    const n = transposeB ? b.shape[0] : b.shape[1];
    const cost = planCosts(m, k, n, transposeA, transposeB);
    if (cost.swapped < cost.direct) return swapped(backend, a, b, transposeA, transposeB);
  }
  if (plain) return runUpstream(tf.BatchMatMul, backend, { a, b }, { transposeA, transposeB });
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
