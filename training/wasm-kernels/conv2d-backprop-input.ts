/**
 * Conv2DBackpropInput (every conv's input gradient; also the transposed convolution). Upstream's wasm kernel is a
 * naive loop. Here it is a sum of stride-1 XNNPACK convolutions, one per stride phase (sub-pixel decomposition):
 *
 * Along one axis (stride s, kernel K, padding p before the input), dx[i] = sum over (o, k) with o*s + k - p = i of
 * dy[o] w[k]. For the outputs i = s*a + r of phase r only the taps k = k0 + s*j with k0 = (r + p) mod s contribute,
 * at o = a + c - j with c = (r + p - k0) / s, so dx_r[a] = sum_j dy[a + c - j] w[k0 + s*j]: a stride-1 correlation
 * of dy with those J = ceil((K - k0) / s) taps reversed, padded by J - 1 - c before. With stride 1 there is one
 * phase and this is the familiar convolution with the flipped filter. The phase outputs are then interleaved into
 * dx; padding that comes out negative crops dy instead.
 *
 * The phase convolutions produce Cin channels; with very few (a first layer on 1-channel images) XNNPACK's GEMM
 * runs nearly empty and the per-pixel interleave dominates, so below PHASES_MIN_CHANNELS input channels we use one
 * GEMM instead, cols = dy [N*OH*OW, Cout] x W^T [Cout, KH*KW*Cin], followed by a col2im scatter-add of each row
 * of cols into the input window it came from. (Measured on the course GAN's layers, the phases win at 32 channels
 * and lose badly at 1: docs/benchmarks.md.)
 */
import * as tf from '@tensorflow/tfjs-core';
import { BackendWasm, dispose, heapF32, input, reshape, run, runUpstream, transpose } from './calls';

export const PHASES_MIN_CHANNELS = 4;

type ConvInfo = tf.backend_util.Conv2DInfo;

/** One axis of one phase: which taps, the correlation's padding, and how many outputs it produces. */
export interface AxisPhase {
  r: number;
  /** First tap k0 and tap count J (taps k0, k0 + s, ..., k0 + s(J-1)); J = 0: no tap reaches this phase. */
  k0: number;
  taps: number;
  /** Padding of the stride-1 correlation before / after dy (negative: crop dy). */
  padBefore: number;
  padAfter: number;
  /** Outputs i = s*a + r, a = 0 .. count-1. */
  count: number;
}

export function axisPhases(size: number, outSize: number, kernel: number, stride: number, padBefore: number): AxisPhase[] {
  const phases: AxisPhase[] = [];
  for (let r = 0; r < stride; r++) {
    const k0 = (((r + padBefore) % stride) + stride) % stride;
    const taps = k0 < kernel ? Math.ceil((kernel - k0) / stride) : 0;
    const c = (r + padBefore - k0) / stride;
    const count = r < size ? Math.ceil((size - r) / stride) : 0;
    const before = taps - 1 - c;
    const after = count - outSize - before + taps - 1;
    phases.push({ r, k0, taps, padBefore: before, padAfter: after, count });
  }
  return phases;
}

export function conv2DBackpropInput(args: { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs: tf.NamedAttrMap }): tf.TensorInfo {
  const { backend } = args;
  const dy = input(tf.Conv2DBackpropInput, args.inputs, 'dy');
  const filter = input(tf.Conv2DBackpropInput, args.inputs, 'filter');
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
  const format = tf.backend_util.convertConv2DDataFormat(dataFormat);
  if (format !== 'channelsLast') throw new Error(`wasm Conv2DBackpropInput: only NHWC is supported, got ${dataFormat}`);
  const info = tf.backend_util.computeConv2DInfo(
    inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, false, format);
  if (info.inChannels < PHASES_MIN_CHANNELS) return viaGemm(backend, dy, filter, info);
  const rows = axisPhases(info.inHeight, info.outHeight, info.filterHeight, info.strideHeight, info.padInfo.top);
  const cols = axisPhases(info.inWidth, info.outWidth, info.filterWidth, info.strideWidth, info.padInfo.left);
  if (rows.length === 1 && cols.length === 1) {
    const only = phaseConvolution(backend, dy, filter, info, rows[0], cols[0]);
    if (only) return only;
  }
  const out = backend.makeOutput([info.batchSize, info.inHeight, info.inWidth, info.inChannels], 'float32');
  for (const ph of rows) {
    for (const pw of cols) {
      if (ph.count === 0 || pw.count === 0) continue;
      const part = phaseConvolution(backend, dy, filter, info, ph, pw);
      interleave(backend, out, part, info, ph, pw);
      if (part) dispose(backend, part);
    }
  }
  return out;
}

/** dx at the outputs of phase (ph, pw), [N, ph.count, pw.count, Cin]; null when no tap reaches the phase (zeros). */
function phaseConvolution(backend: BackendWasm, dy: tf.TensorInfo, filter: tf.TensorInfo, info: ConvInfo, ph: AxisPhase, pw: AxisPhase): tf.TensorInfo | null {
  if (ph.taps === 0 || pw.taps === 0) return null;
  const { inChannels: cin, outChannels: cout, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  // f[th, tw, co, ci] = w[k0h + sh (Jh-1-th), k0w + sw (Jw-1-tw), ci, co]: the phase's taps, reversed, channels swapped.
  const f = backend.makeOutput([ph.taps, pw.taps, cout, cin], 'float32');
  const w = heapF32(backend, filter);
  const fv = heapF32(backend, f);
  for (let th = 0; th < ph.taps; th++) {
    const kh = ph.k0 + sh * (ph.taps - 1 - th);
    for (let tw = 0; tw < pw.taps; tw++) {
      const kwi = pw.k0 + sw * (pw.taps - 1 - tw);
      const src = (kh * kw + kwi) * cin * cout;
      const dst = (th * pw.taps + tw) * cout * cin;
      for (let ci = 0; ci < cin; ci++) for (let co = 0; co < cout; co++) fv[dst + co * cin + ci] = w[src + ci * cout + co];
    }
  }
  // Negative padding: drop those rows / columns of dy instead.
  const cropTop = Math.max(0, -ph.padBefore);
  const cropBottom = Math.max(0, -ph.padAfter);
  const cropLeft = Math.max(0, -pw.padBefore);
  const cropRight = Math.max(0, -pw.padAfter);
  let x = dy;
  if (cropTop || cropBottom || cropLeft || cropRight) {
    x = run(tf.Slice, backend, { x: dy }, {
      begin: [0, cropTop, cropLeft, 0],
      size: [dy.shape[0], dy.shape[1] - cropTop - cropBottom, dy.shape[2] - cropLeft - cropRight, dy.shape[3]],
    });
  }
  try {
    const y = run(tf.Conv2D, backend, { x, filter: f }, {
      strides: [1, 1],
      dilations: [1, 1],
      pad: [[0, 0], [Math.max(0, ph.padBefore), Math.max(0, ph.padAfter)], [Math.max(0, pw.padBefore), Math.max(0, pw.padAfter)], [0, 0]],
      dataFormat: 'NHWC',
    });
    if (y.shape[1] !== ph.count || y.shape[2] !== pw.count) {
      dispose(backend, y);
      throw new Error(`wasm Conv2DBackpropInput: phase (${ph.r}, ${pw.r}) gave [${y.shape}], expected ${ph.count} x ${pw.count}`);
    }
    return y;
  } finally {
    dispose(backend, f);
    if (x !== dy) dispose(backend, x);
  }
}

/** Writes one phase's outputs into dx[n, sh*a + r, sw*b + q, :] (zeros when the phase has no taps). */
function interleave(backend: BackendWasm, out: tf.TensorInfo, part: tf.TensorInfo | null, info: ConvInfo, ph: AxisPhase, pw: AxisPhase): void {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, strideHeight: sh, strideWidth: sw } = info;
  const dx = heapF32(backend, out);
  const src = part ? heapF32(backend, part) : null;
  for (let b = 0; b < n; b++) {
    for (let a = 0; a < ph.count; a++) {
      const row = (b * h + sh * a + ph.r) * w;
      const srcRow = (b * ph.count + a) * pw.count;
      for (let q = 0; q < pw.count; q++) {
        const d = (row + sw * q + pw.r) * c;
        if (src) dx.set(src.subarray((srcRow + q) * c, (srcRow + q + 1) * c), d);
        else dx.fill(0, d, d + c);
      }
    }
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
