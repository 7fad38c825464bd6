/**
 * Conv2DBackpropFilter (the filter gradient of every conv2d), which the wasm backend lacks, written as one XNNPACK
 * convolution: with the batch as the contracted channel axis,
 *   dW[kh, kw, ci, co] = sum_{n, oh, ow} x[n, oh*s + kh - pad, ow*s + kw - pad, ci] * dy[n, oh, ow, co]
 * is a stride-1 convolution of x^T [Cin, H, W, N] with the "filter" dy^T [OH, OW, N, Cout] dilated by the forward
 * stride, whose output is [Cin, KH, KW, Cout].
 */
import * as tf from '@tensorflow/tfjs-core';
import { BackendWasm, dispose, input, run, transpose } from './calls';

export function conv2DBackpropFilter(args: { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs: tf.NamedAttrMap }): tf.TensorInfo {
  const { backend } = args;
  const x = input(tf.Conv2DBackpropFilter, args.inputs, 'x');
  const dy = input(tf.Conv2DBackpropFilter, args.inputs, 'dy');
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const format = tf.backend_util.convertConv2DDataFormat(dataFormat);
  if (format !== 'channelsLast') throw new Error(`wasm Conv2DBackpropFilter: only NHWC is supported, got ${dataFormat}`);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, format);
  const { inHeight, inWidth, inChannels, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  // Padding after the input that makes the output exactly KH x KW; negative when the forward pass never read the
  // last rows/columns ('valid' with a remainder), which we then crop away.
  let bottom = filterHeight + (outHeight - 1) * strideHeight - inHeight - top;
  let right = filterWidth + (outWidth - 1) * strideWidth - inWidth - left;
  let xT = transpose(backend, x, [3, 1, 2, 0]);
  if (bottom < 0 || right < 0) {
    const cropped = run(tf.Slice, backend, { x: xT }, {
      begin: [0, 0, 0, 0],
      size: [inChannels, inHeight + Math.min(bottom, 0), inWidth + Math.min(right, 0), x.shape[0]],
    });
    dispose(backend, xT);
    xT = cropped;
    bottom = Math.max(bottom, 0);
    right = Math.max(right, 0);
  }
  const dyT = transpose(backend, dy, [1, 2, 0, 3]);
  const w = run(tf.Conv2D, backend, { x: xT, filter: dyT }, {
    strides: [1, 1],
    dilations: [strideHeight, strideWidth],
    pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
    dataFormat: 'NHWC',
  });
  dispose(backend, xT, dyT);
  const expected = [inChannels, filterHeight, filterWidth, info.outChannels];
  if (w.shape.join() !== expected.join()) {
    dispose(backend, w);
    throw new Error(`wasm Conv2DBackpropFilter: internal shape ${w.shape} != ${expected}`);
  }
  const dW = transpose(backend, w, [1, 2, 0, 3]);
  dispose(backend, w);
  return dW;
}

export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc,
};
