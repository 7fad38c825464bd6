/**
 * Networks are declared once as data: a stack of layer specs plus named parameters. Training applies a stack with
 * tfjs (`applyStack`); export lowers the same specs to ONNX nodes (export/lower/*). Nothing about a layer may be
 * known to only one of the two sides, which is why a layer is a plain JSON-able object rather than a class.
 *
 * Conventions: activations are NHWC for images and [N, F] for vectors; dense kernels are [in, out]; conv kernels
 * are [KH, KW, Cin, Cout] (tfjs layout).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../../runtime/core/random';

export type Padding = 'same' | 'valid' | number;

export type LayerSpec =
  | { kind: 'dense'; name: string; inFeatures: number; units: number }
  /** Dense layer whose kernel is multiplied by a fixed 0/1 mask: entry [i, j] is kept iff
   *  outDegrees[j] >= inDegrees[i] (or > when strict). MADE builds the degrees. */
  | { kind: 'maskedDense'; name: string; inDegrees: number[]; outDegrees: number[]; strict: boolean }
  | { kind: 'conv2d'; name: string; inChannels: number; filters: number; kernel: number; stride: number; padding: Padding }
  | { kind: 'batchNorm'; name: string; features: number; eps: number; momentum: number }
  | { kind: 'relu' }
  | { kind: 'leakyRelu'; alpha: number }
  | { kind: 'sigmoid' }
  | { kind: 'tanh' }
  /** y = bound * tanh(x / bound): about x near 0, |y| < bound (MADE's log-scale and conditioner bounds, made.ts). */
  | { kind: 'softBound'; bound: number }
  /** Reshape keeping the batch dimension: `shape` excludes N. */
  | { kind: 'reshape'; shape: number[] }
  /** NHWC [N,H,W,C*r*r] -> [N,H*r,W*r,C] with PyTorch PixelShuffle / ONNX DepthToSpace(CRD) channel order. */
  | { kind: 'pixelShuffle'; factor: number };

export type Stack = LayerSpec[];

/** Parameters by name: `${layer.name}.${param}`. Batch-norm running statistics are non-trainable variables. */
export type Params = Map<string, tf.Variable>;

export interface ApplyOptions {
  /** Batch-norm uses batch statistics and updates its running statistics (PyTorch semantics) when true. */
  training: boolean;
  /** false: in training mode, use the batch statistics but leave the running statistics as they are. A GAN
   *  step runs the generator twice on the same noise (discriminator step, then generator step) and must update
   *  them once, as PyTorch does with its single forward pass. Default true. */
  updateStats?: boolean;
}

export function maskOf(layer: { inDegrees: number[]; outDegrees: number[]; strict: boolean }): Float32Array {
  const nIn = layer.inDegrees.length;
  const nOut = layer.outDegrees.length;
  const m = new Float32Array(nIn * nOut);
  for (let i = 0; i < nIn; i++) {
    const di = layer.inDegrees[i];
    for (let j = 0; j < nOut; j++) {
      const dj = layer.outDegrees[j];
      m[i * nOut + j] = (layer.strict ? dj > di : dj >= di) ? 1 : 0;
    }
  }
  return m;
}

/** Parameter names and shapes a layer owns, and whether each is trained by the optimizer. */
export function paramShapes(layer: LayerSpec): { name: string; shape: number[]; trainable: boolean }[] {
  switch (layer.kind) {
    case 'dense':
      return [
        { name: `${layer.name}.kernel`, shape: [layer.inFeatures, layer.units], trainable: true },
        { name: `${layer.name}.bias`, shape: [layer.units], trainable: true },
      ];
    case 'maskedDense':
      return [
        { name: `${layer.name}.kernel`, shape: [layer.inDegrees.length, layer.outDegrees.length], trainable: true },
        { name: `${layer.name}.bias`, shape: [layer.outDegrees.length], trainable: true },
      ];
    case 'conv2d':
      return [
        { name: `${layer.name}.kernel`, shape: [layer.kernel, layer.kernel, layer.inChannels, layer.filters], trainable: true },
        { name: `${layer.name}.bias`, shape: [layer.filters], trainable: true },
      ];
    case 'batchNorm':
      return [
        { name: `${layer.name}.gamma`, shape: [layer.features], trainable: true },
        { name: `${layer.name}.beta`, shape: [layer.features], trainable: true },
        { name: `${layer.name}.runningMean`, shape: [layer.features], trainable: false },
        { name: `${layer.name}.runningVar`, shape: [layer.features], trainable: false },
      ];
    default:
      return [];
  }
}

function fanIn(layer: LayerSpec): number {
  switch (layer.kind) {
    case 'dense':
      return layer.inFeatures;
    case 'maskedDense':
      return layer.inDegrees.length;
    case 'conv2d':
      return layer.kernel * layer.kernel * layer.inChannels;
    default:
      return 1;
  }
}

/**
 * PyTorch's default initialisation (weights and biases ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)); batch norm gamma 1,
 * beta 0, running mean 0, running var 1), drawn from the project's seeded generator so runs are reproducible.
 */
export function initParams(stack: Stack, rng: Random, into: Params = new Map()): Params {
  for (const layer of stack) {
    const bound = 1 / Math.sqrt(fanIn(layer));
    for (const p of paramShapes(layer)) {
      if (into.has(p.name)) throw new Error(`initParams: duplicate parameter name ${p.name}`);
      const size = p.shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(size);
      if (p.name.endsWith('.kernel') || p.name.endsWith('.bias')) rng.fillUniform(data, -bound, bound);
      else if (p.name.endsWith('.gamma') || p.name.endsWith('.runningVar')) data.fill(1);
      into.set(p.name, tf.variable(tf.tensor(data, p.shape, 'float32'), p.trainable, p.name));
    }
  }
  return into;
}

function get(params: Params, name: string): tf.Variable {
  const v = params.get(name);
  if (!v) throw new Error(`missing parameter ${name}`);
  return v;
}

/** Explicit symmetric padding in tfjs form, or the string modes. */
export function tfPadding(p: Padding): 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]] {
  return typeof p === 'number' ? [[0, 0], [p, p], [p, p], [0, 0]] : p;
}

export function pixelShuffle(x: tf.Tensor4D, r: number): tf.Tensor4D {
  const [n, h, w, crr] = x.shape;
  if (crr % (r * r) !== 0) throw new Error(`pixelShuffle: channels ${crr} not divisible by ${r}x${r}`);
  const c = crr / (r * r);
  // CRD order: input channel index = c*r*r + i*r + j  ->  output pixel (h*r+i, w*r+j), channel c.
  return tf.reshape(tf.transpose(tf.reshape(x, [n, h, w, c, r, r]), [0, 1, 4, 2, 5, 3]), [n, h * r, w * r, c]);
}

export function applyLayer(layer: LayerSpec, params: Params, x: tf.Tensor, opts: ApplyOptions): tf.Tensor {
  switch (layer.kind) {
    case 'dense':
      return tf.add(tf.matMul(x as tf.Tensor2D, get(params, `${layer.name}.kernel`) as tf.Tensor2D), get(params, `${layer.name}.bias`));
    case 'maskedDense': {
      const mask = maskTensor(layer);
      const w = tf.mul(get(params, `${layer.name}.kernel`), mask) as tf.Tensor2D;
      return tf.add(tf.matMul(x as tf.Tensor2D, w), get(params, `${layer.name}.bias`));
    }
    case 'conv2d': {
      const y = tf.conv2d(x as tf.Tensor4D, get(params, `${layer.name}.kernel`) as tf.Tensor4D, layer.stride, tfPadding(layer.padding));
      return tf.add(y, get(params, `${layer.name}.bias`));
    }
    case 'batchNorm':
      return batchNorm(layer, params, x, opts.training, opts.updateStats ?? true);
    case 'relu':
      return tf.relu(x);
    case 'leakyRelu':
      return tf.leakyRelu(x, layer.alpha);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'tanh':
      return tf.tanh(x);
    case 'softBound':
      return tf.mul(tf.tanh(tf.div(x, layer.bound)), layer.bound);
    case 'reshape':
      return tf.reshape(x, [x.shape[0], ...layer.shape]);
    case 'pixelShuffle':
      return pixelShuffle(x as tf.Tensor4D, layer.factor);
  }
}

export function applyStack(stack: Stack, params: Params, x: tf.Tensor, opts: ApplyOptions): tf.Tensor {
  let y = x;
  for (const layer of stack) y = applyLayer(layer, params, y, opts);
  return y;
}

// Masks are constants of the definition: build each once and keep it for the life of the process.
const maskCache = new WeakMap<object, tf.Tensor2D>();
export function maskTensor(layer: Extract<LayerSpec, { kind: 'maskedDense' }>): tf.Tensor2D {
  let m = maskCache.get(layer);
  if (!m || m.isDisposed) {
    m = tf.keep(tf.tensor2d(maskOf(layer), [layer.inDegrees.length, layer.outDegrees.length]));
    maskCache.set(layer, m);
  }
  return m;
}

/** Batch norm over every axis but the last (features), with PyTorch's running-statistics update. */
function batchNorm(layer: Extract<LayerSpec, { kind: 'batchNorm' }>, params: Params, x: tf.Tensor, training: boolean, updateStats: boolean): tf.Tensor {
  const gamma = get(params, `${layer.name}.gamma`);
  const beta = get(params, `${layer.name}.beta`);
  const rm = get(params, `${layer.name}.runningMean`);
  const rv = get(params, `${layer.name}.runningVar`);
  if (!training) return tf.add(tf.mul(tf.div(tf.sub(x, rm), tf.sqrt(tf.add(rv, layer.eps))), gamma), beta);
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  const count = x.size / layer.features;
  // Running stats are bookkeeping, not part of the differentiated graph.
  if (updateStats) tf.tidy(() => {
    const m = layer.momentum;
    rm.assign(tf.add(tf.mul(rm, 1 - m), tf.mul(mean, m)));
    const unbiased = tf.mul(variance, count / Math.max(count - 1, 1));
    rv.assign(tf.add(tf.mul(rv, 1 - m), tf.mul(unbiased, m)));
  });
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, layer.eps))), gamma), beta);
}

/** The trainable variables of a parameter map, in insertion order (the optimizer's and the checkpoint's order). */
export function trainable(params: Params): tf.Variable[] {
  return [...params.values()].filter((v) => v.trainable);
}
