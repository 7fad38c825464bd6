/**
 * The activation strings and the activation layers (Activation, ReLU, LeakyReLU, PReLU, ELU, Softmax,
 * ThresholdedReLU) of tfjs-layers: their configs read and checked here, lowered by the shared `activationOp`
 * (export/lower/activations.ts, which the project's own LayerSpec activations call too).
 */
import { ACTIVATIONS, Activation, activationOp, isActivationName } from '../activations';
import { ConvertContext, LayerLike, LayerLowering, TValue, one, option, requireFloat, storedAxis, unsupported, weight } from './types';

export { ACTIVATIONS };

/** `activation(x)` as tfjs computes it; softmax-like ones run over tfjs's last axis. */
export function activate(ctx: ConvertContext, layer: LayerLike, activation: unknown, x: TValue): TValue {
  if (activation === undefined || activation === null || activation === 'linear') return x;
  if (!isActivationName(activation)) throw unsupported(layer, 'activation', activation, ACTIVATIONS.join(', '));
  requireFloat(layer, x);
  const a: Activation = activation === 'elu' ? { op: 'elu', alpha: 1 } : activation === 'softmax' || activation === 'logSoftmax' ? { op: activation, axis: storedAxis(layer, x, -1) } : { op: activation };
  return { ...x, name: activationOp(ctx.g, x.name, a, `${layer.name}.${activation}`) };
}

/** The layer's `activation` config applied to x. */
export function layerActivation(ctx: ConvertContext, layer: LayerLike, x: TValue): TValue {
  return activate(ctx, layer, layer.getConfig().activation, x);
}

export const lowerActivation: LayerLowering = (ctx, layer, inputs) => [layerActivation(ctx, layer, one(layer, inputs))];

/** An activation layer: one input, float32, lowered by `activationOp` under the layer's name. */
function activationLayer(ctx: ConvertContext, layer: LayerLike, inputs: TValue[], a: (x: TValue) => Activation): TValue[] {
  const x = one(layer, inputs);
  requireFloat(layer, x);
  return [{ ...x, name: activationOp(ctx.g, x.name, a(x), layer.name) }];
}

const numberOption = (layer: LayerLike, key: string) => option<number>(layer, key, (v) => typeof v === 'number', 'a number');

export const lowerReLU: LayerLowering = (ctx, layer, inputs) =>
  activationLayer(ctx, layer, inputs, () => {
    const max = option<number | null | undefined>(layer, 'maxValue', (v) => v === null || v === undefined || (typeof v === 'number' && v >= 0), 'null or a number >= 0');
    return max === null || max === undefined ? { op: 'relu' } : { op: 'clip', min: 0, max };
  });

export const lowerLeakyReLU: LayerLowering = (ctx, layer, inputs) => activationLayer(ctx, layer, inputs, () => ({ op: 'leakyRelu', alpha: numberOption(layer, 'alpha') }));

export const lowerELU: LayerLowering = (ctx, layer, inputs) => activationLayer(ctx, layer, inputs, () => ({ op: 'elu', alpha: numberOption(layer, 'alpha') }));

export const lowerThresholdedReLU: LayerLowering = (ctx, layer, inputs) => activationLayer(ctx, layer, inputs, () => ({ op: 'thresholdedRelu', theta: numberOption(layer, 'theta') }));

export const lowerSoftmax: LayerLowering = (ctx, layer, inputs) =>
  activationLayer(ctx, layer, inputs, (x) => {
    const axis = layer.getConfig().axis;
    if (typeof axis !== 'number') throw unsupported(layer, 'axis', axis, 'one axis');
    return { op: 'softmax', axis: storedAxis(layer, x, axis) };
  });

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
