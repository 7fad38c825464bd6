/**
 * Pooling (Max/AveragePooling1D/2D -> MaxPool/AveragePool on channels-first; the global ones -> ReduceMean/ReduceMax
 * over the spatial axes in whatever order they are stored), UpSampling2D -> Resize (nearest: tfjs's floor of
 * asymmetric coordinates; bilinear: resizeBilinear without align-corners or half-pixel centers), ZeroPadding2D -> Pad
 * and Cropping2D -> Slice (both in the stored order, so they never transpose).
 */
import { attr } from '../../onnx/graph-builder';
import { convAxis } from '../conv2d';
import { ConvertError, LayerLowering, TValue, channelsFirst, inLayout, layerWhere, one, option, requireFloat, requireRank, storedAxis, tuple } from './types';

function lowerPool(op: 'MaxPool' | 'AveragePool', d: 1 | 2): LayerLowering {
  return (ctx, layer, inputs) => {
    let x = one(layer, inputs);
    requireFloat(layer, x);
    requireRank(layer, x, [d + 2]);
    option(layer, 'dataFormat', [undefined, null, 'channelsLast'], '"channelsLast"');
    const padding = option<string>(layer, 'padding', ['valid', 'same']);
    const kernel = tuple(layer, 'poolSize', d);
    const cfgStrides = layer.getConfig().strides;
    const strides = cfgStrides === null || cfgStrides === undefined ? kernel : tuple(layer, 'strides', d);
    x = inLayout(ctx, x, channelsFirst(d + 2));
    const axes = x.shape.slice(0, d).map((size, i) => convAxis(size, kernel[i], strides[i], padding as 'same' | 'valid'));
    if (axes.some((a) => a.out < 1)) throw new ConvertError(`${layerWhere(layer)}: a ${x.shape.slice(0, d).join('x')} input gives an empty output`);
    const attrs = { kernel_shape: attr.ints(kernel), strides: attr.ints(strides), pads: attr.ints([...axes.map((a) => a.before), ...axes.map((a) => a.after)]) };
    const y = ctx.g.op(op, [x.name], attrs, layer.name);
    return [{ ...x, name: y, shape: [...axes.map((a) => a.out), x.shape[d]] }];
  };
}

export const lowerMaxPooling1D = lowerPool('MaxPool', 1);
export const lowerMaxPooling2D = lowerPool('MaxPool', 2);
export const lowerAveragePooling1D = lowerPool('AveragePool', 1);
export const lowerAveragePooling2D = lowerPool('AveragePool', 2);

function lowerGlobalPool(op: 'ReduceMean' | 'ReduceMax', d: 1 | 2): LayerLowering {
  return (ctx, layer, inputs) => {
    const x = one(layer, inputs);
    requireFloat(layer, x);
    requireRank(layer, x, [d + 2]);
    option(layer, 'dataFormat', [undefined, null, 'channelsLast'], '"channelsLast"');
    const spatial = Array.from({ length: d }, (_, i) => storedAxis(layer, x, i + 1));
    const y = ctx.g.op(op, [x.name], { axes: attr.ints(spatial), keepdims: attr.int(0) }, layer.name);
    // What is left is the batch and the channels, in their stored order.
    const perm = x.perm.filter((a) => a === 0 || a === d + 1).map((a) => (a === 0 ? 0 : 1));
    return [{ name: y, shape: [x.shape[d]], perm, dtype: 'float32' }];
  };
}

export const lowerGlobalAveragePooling1D = lowerGlobalPool('ReduceMean', 1);
export const lowerGlobalAveragePooling2D = lowerGlobalPool('ReduceMean', 2);
export const lowerGlobalMaxPooling1D = lowerGlobalPool('ReduceMax', 1);
export const lowerGlobalMaxPooling2D = lowerGlobalPool('ReduceMax', 2);

export const lowerUpSampling2D: LayerLowering = (ctx, layer, inputs) => {
  let x = one(layer, inputs);
  requireFloat(layer, x);
  requireRank(layer, x, [4]);
  option(layer, 'dataFormat', [undefined, null, 'channelsLast'], '"channelsLast"');
  const interpolation = option<string | undefined>(layer, 'interpolation', [undefined, 'nearest', 'bilinear']);
  const [sh, sw] = tuple(layer, 'size', 2);
  x = inLayout(ctx, x, channelsFirst(4));
  const attrs: Record<string, ReturnType<typeof attr.string>> =
    interpolation === 'bilinear'
      ? { mode: attr.string('linear'), coordinate_transformation_mode: attr.string('asymmetric') }
      : { mode: attr.string('nearest'), coordinate_transformation_mode: attr.string('asymmetric'), nearest_mode: attr.string('floor') };
  const y = ctx.g.op('Resize', [x.name, '', ctx.g.floats([1, 1, sh, sw])], attrs, layer.name);
  return [{ ...x, name: y, shape: [x.shape[0] * sh, x.shape[1] * sw, x.shape[2]] }];
};

/** [[top, bottom], [left, right]] from a ZeroPadding2D / Cropping2D config. */
function pairs(layer: Parameters<LayerLowering>[1], key: string): [[number, number], [number, number]] {
  const v = layer.getConfig()[key];
  const ok = Array.isArray(v) && v.length === 2 && v.every((p) => Array.isArray(p) && p.length === 2 && p.every((q) => Number.isInteger(q) && q >= 0));
  if (!ok) throw new ConvertError(`${layerWhere(layer)}: option ${key} = ${JSON.stringify(v)} is not supported (supported: [[top, bottom], [left, right]])`);
  return v as [[number, number], [number, number]];
}

export const lowerZeroPadding2D: LayerLowering = (ctx, layer, inputs) => {
  const x = one(layer, inputs);
  requireFloat(layer, x);
  requireRank(layer, x, [4]);
  option(layer, 'dataFormat', [undefined, null, 'channelsLast'], '"channelsLast"');
  const [[t, b], [l, r]] = pairs(layer, 'padding');
  const before = new Array<number>(4).fill(0);
  const after = new Array<number>(4).fill(0);
  before[storedAxis(layer, x, 1)] = t;
  after[storedAxis(layer, x, 1)] = b;
  before[storedAxis(layer, x, 2)] = l;
  after[storedAxis(layer, x, 2)] = r;
  const y = ctx.g.op('Pad', [x.name, ctx.g.int64s([...before, ...after])], { mode: attr.string('constant') }, layer.name);
  return [{ ...x, name: y, shape: [x.shape[0] + t + b, x.shape[1] + l + r, x.shape[2]] }];
};

export const lowerCropping2D: LayerLowering = (ctx, layer, inputs) => {
  const x: TValue = one(layer, inputs);
  requireRank(layer, x, [4]);
  option(layer, 'dataFormat', [undefined, null, 'channelsLast'], '"channelsLast"');
  const [[t, b], [l, r]] = pairs(layer, 'cropping');
  const [h, w, c] = x.shape;
  if (t + b >= h || l + r >= w) throw new ConvertError(`${layerWhere(layer)}: cropping ${JSON.stringify([[t, b], [l, r]])} leaves nothing of a ${h}x${w} input`);
  const axes = [storedAxis(layer, x, 1), storedAxis(layer, x, 2)];
  const y = ctx.g.op('Slice', [x.name, ctx.g.int64s([t, l]), ctx.g.int64s([h - b, w - r]), ctx.g.int64s(axes)], {}, layer.name);
  return [{ ...x, name: y, shape: [h - t - b, w - l - r, c] }];
};
