/**
 * Transpose of the last two axes (a batch of matrices) of 32-bit tensors with our SIMD loop (simd-transpose.ts);
 * every other permutation, dtype, or a backend whose memory we cannot reach goes to upstream's kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BackendWasm, heapOffset, input, runUpstream, wasmMemoryOf } from './calls';
import { transpose32 } from './simd-transpose';

/** Whether `perm` keeps the leading axes and swaps the last two. */
export function swapsLastTwo(perm: number[]): boolean {
  const r = perm.length;
  if (r < 2 || perm[r - 2] !== r - 1 || perm[r - 1] !== r - 2) return false;
  for (let i = 0; i < r - 2; i++) if (perm[i] !== i) return false;
  return true;
}

export function transpose(args: { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs: tf.NamedAttrMap }): tf.TensorInfo {
  const { backend } = args;
  const x = input(tf.Transpose, args.inputs, 'x');
  const { perm } = args.attrs as unknown as tf.TransposeAttrs;
  const memory = wasmMemoryOf(backend);
  if (!memory || !swapsLastTwo(perm) || (x.dtype !== 'float32' && x.dtype !== 'int32')) return runUpstream(tf.Transpose, backend, { x }, { perm });
  const r = x.shape.length;
  const [rows, cols] = [x.shape[r - 2], x.shape[r - 1]];
  const out = backend.makeOutput(perm.map((a) => x.shape[a]), x.dtype);
  const size = tf.util.sizeFromShape(x.shape);
  if (size === 0) return out;
  const src = heapOffset(backend, x), dst = heapOffset(backend, out);
  const view = () => new Uint32Array(memory.buffer);
  const bytes = 4 * rows * cols;
  for (let b = 0; b < size / (rows * cols); b++) transpose32(memory, view, src + b * bytes, dst + b * bytes, rows, cols);
  return out;
}

export const transposeConfig: tf.KernelConfig = {
  kernelName: tf.Transpose,
  backendName: 'wasm',
  kernelFunc: transpose as unknown as tf.KernelFunc,
};
