/**
 * Every activation string tfjs-layers accepts (its ActivationIdentifier plus logSoftmax), and the activation layers
 * (Activation, ReLU, LeakyReLU, PReLU, ELU, Softmax, ThresholdedReLU). Each string is lowered to the ONNX ops that
 * compute what tfjs computes (gelu by erf, gelu_new by its tanh form, swish and mish as products), with opset-17 ops only.
 */
import { attr } from '../../onnx/graph-builder';
import { ConvertContext, LayerLike, LayerLowering, TValue, broadcastDims, one, option, requireFloat, storedAxis, unsupported, weight } from './types';

export const ACTIVATIONS = ['linear', 'relu', 'relu6', 'elu', 'selu', 'sigmoid', 'hardSigmoid', 'tanh', 'softplus', 'softsign', 'softmax', 'logSoftmax', 'swish', 'mish', 'gelu', 'gelu_new'] as const;

/** `activation(x)` as tfjs computes it; softmax-like ones run over tfjs's last axis. */
export function activate(ctx: ConvertContext, layer: LayerLike, activation: unknown, x: TValue): TValue {
  const g = ctx.g;
  const h = `${layer.name}.${String(activation)}`;
  const y = (name: string): TValue => ({ ...x, name });
  if (activation === undefined || activation === null || activation === 'linear') return x;
  requireFloat(layer, x);
  switch (activation) {
    case 'relu':
      return y(g.op('Relu', [x.name], {}, h));
    case 'relu6':
      return y(g.op('Clip', [x.name, g.floatScalar(0), g.floatScalar(6)], {}, h));
    case 'elu':
      return y(g.op('Elu', [x.name], { alpha: attr.float(1) }, h));
    case 'selu':
      // ONNX's default alpha and gamma are tfjs's constants rounded to float32.
      return y(g.op('Selu', [x.name], {}, h));
    case 'sigmoid':
      return y(g.op('Sigmoid', [x.name], {}, h));
    case 'hardSigmoid':
      return y(g.op('HardSigmoid', [x.name], { alpha: attr.float(0.2), beta: attr.float(0.5) }, h));
    case 'tanh':
      return y(g.op('Tanh', [x.name], {}, h));
    case 'softplus':
      return y(g.op('Softplus', [x.name], {}, h));
    case 'softsign':
      return y(g.op('Softsign', [x.name], {}, h));
    case 'softmax':
      return y(g.op('Softmax', [x.name], { axis: attr.int(storedAxis(layer, x, -1)) }, h));
    case 'logSoftmax':
      return y(g.op('LogSoftmax', [x.name], { axis: attr.int(storedAxis(layer, x, -1)) }, h));
    case 'swish':
      return y(g.op('Mul', [x.name, g.op('Sigmoid', [x.name], {}, `${h}.sigmoid`)], {}, h));
    case 'mish':
      return y(g.op('Mul', [x.name, g.op('Tanh', [g.op('Softplus', [x.name], {}, `${h}.softplus`)], {}, `${h}.tanh`)], {}, h));
    case 'gelu': {
      // x * 0.5 * (1 + erf(x / sqrt 2)), tfjs's exact form (ONNX's Gelu op needs opset 20).
      const e = g.op('Erf', [g.op('Div', [x.name, g.floatScalar(Math.SQRT2)], {}, `${h}.scaled`)], {}, `${h}.erf`);
      const cdf = g.op('Mul', [g.floatScalar(0.5), g.op('Add', [g.floatScalar(1), e], {}, `${h}.1p`)], {}, `${h}.cdf`);
      return y(g.op('Mul', [x.name, cdf], {}, h));
    }
    case 'gelu_new': {
      // 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
      const cube = g.op('Mul', [g.op('Mul', [x.name, x.name], {}, `${h}.sq`), x.name], {}, `${h}.cube`);
      const inner = g.op('Add', [x.name, g.op('Mul', [g.floatScalar(0.044715), cube], {}, `${h}.c3`)], {}, `${h}.inner`);
      const t = g.op('Tanh', [g.op('Mul', [g.floatScalar(Math.sqrt(2 / Math.PI)), inner], {}, `${h}.arg`)], {}, `${h}.tanh`);
      const half = g.op('Mul', [g.floatScalar(0.5), x.name], {}, `${h}.half`);
      return y(g.op('Mul', [half, g.op('Add', [g.floatScalar(1), t], {}, `${h}.1p`)], {}, h));
    }
    default:
      throw unsupported(layer, 'activation', activation, ACTIVATIONS.join(', '));
  }
}

/** The layer's `activation` config applied to x. */
export function layerActivation(ctx: ConvertContext, layer: LayerLike, x: TValue): TValue {
  return activate(ctx, layer, layer.getConfig().activation, x);
}

export const lowerActivation: LayerLowering = (ctx, layer, inputs) => [layerActivation(ctx, layer, one(layer, inputs))];

export const lowerReLU: LayerLowering = (ctx, layer, inputs) => {
  const x = one(layer, inputs);
  requireFloat(layer, x);
  const max = option<number | null | undefined>(layer, 'maxValue', (v) => v === null || v === undefined || (typeof v === 'number' && v >= 0), 'null or a number >= 0');
  const name = max === null || max === undefined ? ctx.g.op('Relu', [x.name], {}, layer.name) : ctx.g.op('Clip', [x.name, ctx.g.floatScalar(0), ctx.g.floatScalar(max)], {}, layer.name);
  return [{ ...x, name }];
};

export const lowerLeakyReLU: LayerLowering = (ctx, layer, inputs) => {
  const x = one(layer, inputs);
  requireFloat(layer, x);
  const alpha = option<number>(layer, 'alpha', (v) => typeof v === 'number', 'a number');
  return [{ ...x, name: ctx.g.op('LeakyRelu', [x.name], { alpha: attr.float(alpha) }, layer.name) }];
};

export const lowerELU: LayerLowering = (ctx, layer, inputs) => {
  const x = one(layer, inputs);
  requireFloat(layer, x);
  const alpha = option<number>(layer, 'alpha', (v) => typeof v === 'number', 'a number');
  return [{ ...x, name: ctx.g.op('Elu', [x.name], { alpha: attr.float(alpha) }, layer.name) }];
};

export const lowerThresholdedReLU: LayerLowering = (ctx, layer, inputs) => {
  const x = one(layer, inputs);
  requireFloat(layer, x);
  const theta = option<number>(layer, 'theta', (v) => typeof v === 'number', 'a number');
  return [{ ...x, name: ctx.g.op('ThresholdedRelu', [x.name], { alpha: attr.float(theta) }, layer.name) }];
};

export const lowerSoftmax: LayerLowering = (ctx, layer, inputs) => {
  const x = one(layer, inputs);
  requireFloat(layer, x);
  const axis = layer.getConfig().axis;
  if (typeof axis !== 'number') throw unsupported(layer, 'axis', axis, 'one axis');
  return [{ ...x, name: ctx.g.op('Softmax', [x.name], { axis: attr.int(storedAxis(layer, x, axis)) }, layer.name) }];
};

/** PReLU: alpha has the input's per-example shape, with size 1 on `sharedAxes`; stored in the input's order. */
export const lowerPReLU: LayerLowering = (ctx, layer, inputs) => {
  const x = one(layer, inputs);
  requireFloat(layer, x);
  const shared = layer.getConfig().sharedAxes as number[] | number | null | undefined;
  const sharedAxes = shared === null || shared === undefined ? [] : Array.isArray(shared) ? shared : [shared];
  const aShape = x.shape.map((d, i) => (sharedAxes.includes(i + 1) ? 1 : d));
  const alpha = weight(ctx, layer, 'alpha', aShape);
  // Reorder alpha's axes as x is stored (without the batch axis).
  const order = x.perm.slice(1).map((a) => a - 1);
  const dims = order.map((a) => aShape[a]);
  const strides = aShape.map((_, i) => aShape.slice(i + 1).reduce((p, q) => p * q, 1));
  const out = new Float32Array(alpha.data.length);
  const idx = new Array<number>(dims.length).fill(0);
  for (let k = 0; k < out.length; k++) {
    let src = 0;
    for (let i = 0; i < dims.length; i++) src += idx[i] * strides[order[i]];
    out[k] = alpha.data[src];
    for (let i = dims.length - 1; i >= 0 && ++idx[i] === dims[i]; i--) idx[i] = 0;
  }
  const A = ctx.g.weight(`${layer.name}.alpha`, out, dims);
  return [{ ...x, name: ctx.g.op('PRelu', [x.name, A], {}, layer.name) }];
};

/** Used by merge and normalization lowerings: a per-feature vector along stored axis `axis`. */
export function perAxisConst(ctx: ConvertContext, hint: string, data: Float32Array, x: TValue, axis: number): string {
  return ctx.g.weight(hint, data, broadcastDims(data.length, x.perm.length, axis));
}
