/** Sum: over leading axes by adding rows (column-reduce.ts); any other reduction by upstream's kernel. */
import * as tf from '@tensorflow/tfjs-core';
import { BackendWasm, input, runUpstream } from './calls';
import { columnSums, leadingAxes } from './column-reduce';

export function sum(args: { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs: tf.NamedAttrMap }): tf.TensorInfo {
  const x = input(tf.Sum, args.inputs, 'x');
  const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
  const split = x.dtype === 'float32' ? leadingAxes(x.shape, axis) : null;
  if (!split || split.rows === 0) return runUpstream(tf.Sum, args.backend, { x }, args.attrs);
  return columnSums(args.backend, x, split, 1, keepDims);
}

export const sumConfig: tf.KernelConfig = { kernelName: tf.Sum, backendName: 'wasm', kernelFunc: sum as unknown as tf.KernelFunc };
