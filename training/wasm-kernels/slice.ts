/**
 * Slice as row copies in the wasm heap (memory-copy.ts) instead of upstream's, which first copies the whole input
 * out of the heap. Strings, or a backend whose memory we cannot reach, go to upstream's kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BackendWasm, heapOffset, input, runUpstream, wasmMemoryOf } from './calls';
import { copy2dFor } from './memory-copy';

/**
 * Copies the block `begin`/`size` of a row-major array of shape `shape` (element size `bytes`, byte offset `src`)
 * to `dst` densely. The trailing axes the block spans whole, and the last one it cuts, make one contiguous run;
 * the axis before that becomes the rows of each bulk copy; the axes before it are looped here.
 */
export function copyBlock(
  copy: (src: number, dst: number, srcStride: number, dstStride: number, rows: number, rowBytes: number) => void,
  shape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
  bytes: number,
  src: number,
  dst: number,
): void {
  const rank = shape.length;
  if (size.some((s) => s === 0)) return;
  const strides = new Array<number>(rank);
  for (let a = rank - 1, s = bytes; a >= 0; a--) {
    strides[a] = s;
    s *= shape[a];
  }
  // k: the first axis from which the block is one contiguous run (every axis after k spans its whole extent).
  let k = rank - 1;
  while (k > 0 && size[k] === shape[k]) k--;
  const run = size[k] * strides[k];
  let offset = src;
  for (let a = 0; a < rank; a++) offset += begin[a] * strides[a];
  if (k === 0) {
    copy(offset, dst, 0, 0, 1, run);
    return;
  }
  // Rows: axis k-1. Outer: axes 0..k-2, as an odometer.
  const rows = size[k - 1];
  const outer = size.slice(0, k - 1);
  const idx = new Array<number>(outer.length).fill(0);
  const count = outer.reduce((p, s) => p * s, 1);
  let out = dst;
  for (let o = 0; o < count; o++) {
    let s = offset;
    for (let a = 0; a < outer.length; a++) s += idx[a] * strides[a];
    copy(s, out, strides[k - 1], run, rows, run);
    out += rows * run;
    for (let a = outer.length - 1; a >= 0; a--) {
      if (++idx[a] < outer[a]) break;
      idx[a] = 0;
    }
  }
}

export function slice(args: { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs: tf.NamedAttrMap }): tf.TensorInfo {
  const { backend } = args;
  const x = input(tf.Slice, args.inputs, 'x');
  const attrs = args.attrs as unknown as tf.SliceAttrs;
  const memory = wasmMemoryOf(backend);
  if (!memory || x.dtype === 'string') return runUpstream(tf.Slice, backend, { x }, attrs as unknown as Record<string, unknown>);
  const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, attrs.begin, attrs.size);
  tf.slice_util.assertParamsValid(x as tf.Tensor, begin, size);
  const out = backend.makeOutput(size, x.dtype);
  if (tf.util.sizeFromShape(size) === 0) return out;
  copyBlock(copy2dFor(memory), x.shape, begin, size, tf.util.bytesPerElement(x.dtype), heapOffset(backend, x), heapOffset(backend, out));
  return out;
}

export const sliceConfig: tf.KernelConfig = {
  kernelName: tf.Slice,
  backendName: 'wasm',
  kernelFunc: slice as unknown as tf.KernelFunc,
};
