/**
 * Cast to the dtype a tensor already has is Identity (identity.ts: the buffer shared, no copy). tfjs' gradients cast
 * their operands to float32 (the Multiply gradient casts both factors), and upstream's wasm Cast copies the buffer
 * even then: in a MAF step that was a copy of every masked weight matrix. Casts to bool are done here too: upstream's
 * (tfjs-backend-wasm 4.22) stores the value truncated to a byte instead of x != 0, so 0.5 became false and -2 became
 * 254. Other conversions go to upstream's kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BackendWasm, input, runUpstream } from './calls';
import { identity } from './identity';

export function cast(args: { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs: tf.NamedAttrMap }): tf.TensorInfo {
  const x = input(tf.Cast, args.inputs, 'x');
  const { dtype } = args.attrs as unknown as tf.CastAttrs;
  if (dtype === 'bool' && x.dtype !== 'bool' && x.dtype !== 'string') {
    const out = args.backend.makeOutput(x.shape, 'bool');
    const src = args.backend.typedArrayFromHeap(x);
    const dst = args.backend.typedArrayFromHeap(out);
    for (let i = 0; i < src.length; i++) dst[i] = src[i] !== 0 ? 1 : 0;
    return out;
  }
  if (dtype !== x.dtype) return runUpstream(tf.Cast, args.backend, { x }, { dtype });
  return identity({ ...args, inputs: { x } });
}

export const castConfig: tf.KernelConfig = {
  kernelName: tf.Cast,
  backendName: 'wasm',
  kernelFunc: cast as unknown as tf.KernelFunc,
};
