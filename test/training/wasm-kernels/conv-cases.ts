/** Convolution shapes the conv kernel tests sweep: strides 1 and 2 (and mixed), 'same' / 'valid' / explicit
 *  (symmetric, asymmetric, wider than the kernel), batch 1, non-square images and kernels, and the course GAN's
 *  layer geometries (with fewer channels: upstream's cpu reference runs its conv gradients at a few MFLOP/s).
 *  Conv2DBackpropInput takes its phase path from 4 input channels on and its GEMM path below: both occur at
 *  strides 1 and 2. */
import * as tf from '@tensorflow/tfjs-core';

export type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];

export interface ConvCase {
  name: string;
  n: number;
  h: number;
  w: number;
  cin: number;
  cout: number;
  kh: number;
  kw: number;
  stride: [number, number];
  pad: Pad;
}

const sym = (p: number): Pad => [[0, 0], [p, p], [p, p], [0, 0]];

export const CONV_CASES: ConvCase[] = [
  { name: '3x3 s1 same, batch 1, non-square', n: 1, h: 5, w: 7, cin: 3, cout: 4, kh: 3, kw: 3, stride: [1, 1], pad: 'same' },
  { name: '3x3 s1 explicit 1 (gen conv geometry)', n: 2, h: 14, w: 14, cin: 4, cout: 6, kh: 3, kw: 3, stride: [1, 1], pad: sym(1) },
  { name: '4x4 s2 explicit 1 (disc conv1 geometry)', n: 2, h: 28, w: 28, cin: 1, cout: 8, kh: 4, kw: 4, stride: [2, 2], pad: sym(1) },
  { name: '4x4 s2 explicit 1 (disc conv2 geometry)', n: 3, h: 14, w: 14, cin: 5, cout: 6, kh: 4, kw: 4, stride: [2, 2], pad: sym(1) },
  { name: '2x3 s2 valid with unread last row', n: 3, h: 9, w: 8, cin: 4, cout: 3, kh: 2, kw: 3, stride: [2, 2], pad: 'valid' },
  { name: '3x1 strides 2x3 same', n: 2, h: 7, w: 10, cin: 2, cout: 5, kh: 3, kw: 1, stride: [2, 3], pad: 'same' },
  { name: '5x5 s2 same, batch 1', n: 1, h: 11, w: 6, cin: 3, cout: 2, kh: 5, kw: 5, stride: [2, 2], pad: 'same' },
  { name: '3x3 s1 valid', n: 2, h: 6, w: 9, cin: 5, cout: 3, kh: 3, kw: 3, stride: [1, 1], pad: 'valid' },
  { name: '3x2 s1 asymmetric explicit', n: 2, h: 6, w: 5, cin: 2, cout: 3, kh: 3, kw: 2, stride: [1, 1], pad: [[0, 0], [0, 2], [1, 0], [0, 0]] },
  { name: '2x2 s1 explicit 2 (wider than the kernel)', n: 1, h: 4, w: 5, cin: 3, cout: 2, kh: 2, kw: 2, stride: [1, 1], pad: sym(2) },
  { name: '3x3 s2 explicit 2', n: 2, h: 7, w: 8, cin: 3, cout: 4, kh: 3, kw: 3, stride: [2, 2], pad: sym(2) },
  { name: '1x1 s2 valid (no tap reaches the odd phases)', n: 2, h: 7, w: 6, cin: 4, cout: 3, kh: 1, kw: 1, stride: [2, 2], pad: 'valid' },
  { name: '3x2 strides 3x2 same, 6 channels', n: 2, h: 8, w: 7, cin: 6, cout: 5, kh: 3, kw: 2, stride: [3, 2], pad: 'same' },
  { name: '5x5 s2 explicit 3 (wider than half the kernel)', n: 1, h: 9, w: 10, cin: 4, cout: 2, kh: 5, kw: 5, stride: [2, 2], pad: sym(3) },
];

export function outShape(c: ConvCase): [number, number, number, number] {
  const info = tf.backend_util.computeConv2DInfo([c.n, c.h, c.w, c.cin], [c.kh, c.kw, c.cin, c.cout], c.stride, 1, c.pad);
  return info.outShape as [number, number, number, number];
}
