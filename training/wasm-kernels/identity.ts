/**
 * Identity without a copy. Upstream's wasm Identity copies the whole buffer; tensors are never written in place
 * (every kernel writes a fresh output, variables swap buffers on assign), so sharing the buffer under a reference
 * count is safe, and it is what the cpu backend's Identity and the wasm Reshape already do. Gradients and the
 * optimizers call it hundreds of times a training step.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BackendWasm, input, runUpstream } from './calls';

export function identity(args: { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs: tf.NamedAttrMap }): tf.TensorInfo {
  const x = input(tf.Identity, args.inputs, 'x');
  if (x.dtype === 'string') return runUpstream(tf.Identity, args.backend, { x });
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export const identityConfig: tf.KernelConfig = {
  kernelName: tf.Identity,
  backendName: 'wasm',
  kernelFunc: identity as unknown as tf.KernelFunc,
};
