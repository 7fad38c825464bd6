/**
 * Conv2DBackpropInput (every conv's input gradient; also the transposed convolution). Upstream's wasm kernel is a
 * naive loop. Stride 1 is an ordinary convolution of dy with the filter flipped in space and its channel axes
 * swapped (XNNPACK); other strides are one GEMM, cols = dy [N*OH*OW, Cout] x W^T [Cout, KH*KW*Cin], followed by a
 * col2im scatter-add of each row of cols into the input window it came from.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BackendWasm, dispose, heapF32, input, reshape, run, runUpstream, transpose } from './calls';

type ConvInfo = tf.backend_util.Conv2DInfo;

export function conv2DBackpropInput(args: { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs: tf.NamedAttrMap }): tf.TensorInfo {
  const { backend } = args;
  const dy = input(tf.Conv2DBackpropInput, args.inputs, 'dy');
  const filter = input(tf.Conv2DBackpropInput, args.inputs, 'filter');
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
  const format = tf.backend_util.convertConv2DDataFormat(dataFormat);
  if (format !== 'channelsLast') throw new Error(`wasm Conv2DBackpropInput: only NHWC is supported, got ${dataFormat}`);
  const info = tf.backend_util.computeConv2DInfo(
    inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, false, format);
  const p = info.padInfo;
  const flippedPads = [info.filterHeight - 1 - p.top, info.filterHeight - 1 - p.bottom, info.filterWidth - 1 - p.left, info.filterWidth - 1 - p.right];
  if (info.strideHeight === 1 && info.strideWidth === 1 && flippedPads.every((v) => v >= 0)) {
    return viaConvolution(backend, dy, filter, info, flippedPads);
  }
  return viaGemm(backend, dy, filter, info);
}

function viaConvolution(backend: BackendWasm, dy: tf.TensorInfo, filter: tf.TensorInfo, info: ConvInfo, pads: number[]): tf.TensorInfo {
  const flipped = run(tf.Reverse, backend, { x: filter }, { dims: [0, 1] });
  const w = transpose(backend, flipped, [0, 1, 3, 2]);
  dispose(backend, flipped);
  try {
    return run(tf.Conv2D, backend, { x: dy, filter: w }, {
      strides: [1, 1],
      dilations: [1, 1],
      pad: [[0, 0], [pads[0], pads[1]], [pads[2], pads[3]], [0, 0]],
      dataFormat: 'NHWC',
    });
  } finally {
    dispose(backend, w);
  }
}

function viaGemm(backend: BackendWasm, dy: tf.TensorInfo, filter: tf.TensorInfo, info: ConvInfo): tf.TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: cin, outHeight: oh, outWidth: ow, outChannels: cout } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const kkc = kh * kw * cin;
  const dy3 = reshape(backend, dy, [1, n * oh * ow, cout]);
  const w2 = reshape(backend, filter, [kkc, cout]);
  const wT = transpose(backend, w2, [1, 0]);
  const wT3 = reshape(backend, wT, [1, cout, kkc]);
  const cols = runUpstream(tf.BatchMatMul, backend, { a: dy3, b: wT3 }, { transposeA: false, transposeB: false });
  dispose(backend, dy3, w2, wT, wT3);
  const out = backend.makeOutput([n, h, w, cin], 'float32');
  const dx = heapF32(backend, out);
  const c = heapF32(backend, cols);
  dx.fill(0);
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      const iy0 = y * sh - top;
      for (let x = 0; x < ow; x++) {
        const ix0 = x * sw - left;
        const row = ((b * oh + y) * ow + x) * kkc;
        for (let i = 0; i < kh; i++) {
          const iy = iy0 + i;
          if (iy < 0 || iy >= h) continue;
          for (let j = 0; j < kw; j++) {
            const ix = ix0 + j;
            if (ix < 0 || ix >= w) continue;
            const src = row + (i * kw + j) * cin;
            const dst = ((b * h + iy) * w + ix) * cin;
            for (let k = 0; k < cin; k++) dx[dst + k] += c[src + k];
          }
        }
      }
    }
  }
  dispose(backend, cols);
  return out;
}

export const conv2DBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput as unknown as tf.KernelFunc,
};
