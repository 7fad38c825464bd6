/**
 * Flatten, Reshape, Permute and RepeatVector work on tfjs's element order, so a value stored channels-first or
 * time-first is brought back to it first (the one Transpose a conv stack pays, where it ends).
 */
import { attr } from '../../onnx/graph-builder';
import { reshapeOp } from '../reshape';
import { ConvertError, LayerLowering, identityPerm, layerWhere, one, option, requireRank, tfOrder } from './types';

export const lowerFlatten: LayerLowering = (ctx, layer, inputs) => {
  option(layer, 'dataFormat', [undefined, null, 'channelsLast'], '"channelsLast"');
  const x = one(layer, inputs);
  if (x.shape.length === 1) return [x];
  const t = tfOrder(ctx, x);
  const size = x.shape.reduce((a, b) => a * b, 1);
  return [{ ...t, name: reshapeOp(ctx.g, t.name, [size], layer.name), shape: [size], perm: [0, 1] }];
};

export const lowerReshape: LayerLowering = (ctx, layer, inputs) => {
  const x = one(layer, inputs);
  const target = layer.getConfig().targetShape as number[];
  const size = x.shape.reduce((a, b) => a * b, 1);
  const known = target.filter((d) => d !== -1 && d !== null).reduce((a, b) => a * b, 1);
  const shape = target.map((d) => (d === -1 || d === null ? size / known : d));
  if (shape.some((d) => !Number.isInteger(d) || d < 1) || shape.reduce((a, b) => a * b, 1) !== size) {
    throw new ConvertError(`${layerWhere(layer)}: targetShape ${JSON.stringify(target)} does not fit an input of shape [${x.shape}]`);
  }
  const t = tfOrder(ctx, x);
  return [{ ...t, name: reshapeOp(ctx.g, t.name, shape, layer.name), shape, perm: identityPerm(shape.length + 1) }];
};

export const lowerPermute: LayerLowering = (ctx, layer, inputs) => {
  const x = one(layer, inputs);
  const dims = layer.getConfig().dims as number[];
  // A permute is a relabeling of axes: no data moves until a layer needs another order.
  const perm = [0, ...dims];
  const shape = dims.map((d) => x.shape[d - 1]);
  // Stored axis i holds tfjs-in axis x.perm[i], which is tfjs-out axis perm.indexOf(x.perm[i]).
  return [{ ...x, shape, perm: x.perm.map((a) => perm.indexOf(a)) }];
};

export const lowerRepeatVector: LayerLowering = (ctx, layer, inputs) => {
  const x = one(layer, inputs);
  requireRank(layer, x, [2]);
  const n = layer.getConfig().n as number;
  const u = ctx.g.op('Unsqueeze', [x.name, ctx.g.int64s([1])], {}, `${layer.name}.unsqueeze`);
  const y = ctx.g.op('Tile', [u, ctx.g.int64s([1, n, 1])], {}, layer.name);
  return [{ ...x, name: y, shape: [n, x.shape[0]], perm: [0, 1, 2] }];
};

/** Dropout, SpatialDropout1D, GaussianNoise, GaussianDropout, AlphaDropout: the identity at inference. */
export const lowerInferenceNoOp: LayerLowering = (_ctx, layer, inputs) => [one(layer, inputs)];

export const lowerRescaling: LayerLowering = (ctx, layer, inputs) => {
  const x = one(layer, inputs);
  const scale = layer.getConfig().scale as number;
  const offset = (layer.getConfig().offset as number | undefined) ?? 0;
  if (typeof scale !== 'number' || typeof offset !== 'number') throw new ConvertError(`${layerWhere(layer)}: only scalar scale and offset are supported`);
  const f = x.dtype === 'float32' ? x.name : ctx.g.op('Cast', [x.name], { to: attr.int(1) }, `${layer.name}.float`);
  const y = ctx.g.op('Add', [ctx.g.op('Mul', [f, ctx.g.floatScalar(scale)], {}, `${layer.name}.scale`), ctx.g.floatScalar(offset)], {}, layer.name);
  return [{ ...x, name: y, dtype: 'float32' }];
};
