/**
 * LeakyRelu as x * step(x, alpha), where step(x, alpha) = 1 for x > 0 and alpha otherwise. Upstream's wasm
 * LeakyRelu is a scalar loop (slower than its Step and Multiply kernels together: docs/benchmarks.md); the
 * composition gives the same values exactly (x * 1 and x * alpha are the only products formed).
 */
import * as tf from '@tensorflow/tfjs-core';
import { BackendWasm, dispose, input, run } from './calls';

export function leakyRelu(args: { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs: tf.NamedAttrMap }): tf.TensorInfo {
  const { backend } = args;
  const x = input(tf.LeakyRelu, args.inputs, 'x');
  const { alpha } = args.attrs as unknown as tf.LeakyReluAttrs;
  if (x.dtype !== 'float32') throw new Error(`wasm LeakyRelu: float32 input expected, got ${x.dtype}`);
  const s = run(tf.Step, backend, { x }, { alpha });
  try {
    return run(tf.Multiply, backend, { a: x, b: s });
  } finally {
    dispose(backend, s);
  }
}

export const leakyReluConfig: tf.KernelConfig = {
  kernelName: tf.LeakyRelu,
  backendName: 'wasm',
  kernelFunc: leakyRelu as unknown as tf.KernelFunc,
};
