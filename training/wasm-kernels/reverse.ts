/**
 * Reverse along any axes, row by row over the wasm heap. Upstream's wasm Reverse is slow per element (docs/benchmarks.md),
 * and a MAF reverses its columns between flows, forward and backward, every step.
 * The rows of the last axis are copied whole (or mirrored when the last axis is reversed); the leading axes only
 * change which source row a destination row reads.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BackendWasm, input, runUpstream } from './calls';

export function reverse(args: { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs: tf.NamedAttrMap }): tf.TensorInfo {
  const { backend } = args;
  const x = input(tf.Reverse, args.inputs, 'x');
  const { dims } = args.attrs as unknown as tf.ReverseAttrs;
  if (x.dtype === 'string' || x.shape.length === 0) return runUpstream(tf.Reverse, backend, { x }, { dims });
  const rank = x.shape.length;
  const flip = new Array<boolean>(rank).fill(false);
  for (const a of tf.util.parseAxisParam(dims, x.shape)) flip[a] = true;
  const out = backend.makeOutput(x.shape, x.dtype);
  const size = tf.util.sizeFromShape(x.shape);
  if (size === 0) return out;
  // Views after the last allocation.
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  const cols = x.shape[rank - 1];
  const rows = size / cols;
  const lead = x.shape.slice(0, -1);
  // Row strides of the leading axes (in rows).
  const strides = new Array<number>(lead.length);
  for (let a = lead.length - 1, s = 1; a >= 0; a--) {
    strides[a] = s;
    s *= lead[a];
  }
  for (let r = 0; r < rows; r++) {
    let srcRow = 0;
    let rem = r;
    for (let a = 0; a < lead.length; a++) {
      const i = Math.floor(rem / strides[a]);
      rem -= i * strides[a];
      srcRow += (flip[a] ? lead[a] - 1 - i : i) * strides[a];
    }
    const s0 = srcRow * cols, d0 = r * cols;
    if (flip[rank - 1]) {
      for (let j = 0; j < cols; j++) dst[d0 + j] = src[s0 + cols - 1 - j];
    } else {
      dst.set(src.subarray(s0, s0 + cols), d0);
    }
  }
  return out;
}

export const reverseConfig: tf.KernelConfig = {
  kernelName: tf.Reverse,
  backendName: 'wasm',
  kernelFunc: reverse as unknown as tf.KernelFunc,
};
