/**
 * Conv1D, Conv2D, DepthwiseConv2D, SeparableConv2D -> Conv; Conv2DTranspose -> ConvTranspose. All run on the
 * channels-first copy of the input (one Transpose at the start of a conv stack, none between its layers), with
 * explicit pads computed as tfjs computes them ('same': ceil(in / stride) outputs, the odd pixel of padding at the
 * end, for the dilated kernel; tfjs-layers runs no 'causal' Conv1D, so none is converted), kernels permuted from tfjs's
 * [K..., Cin, Cout] to ONNX's [Cout, Cin, K...] at conversion time.
 */
import { attr } from '../../onnx/graph-builder';
import { convGeometry, convOp, tfKernelToOihw as toOihw } from '../conv2d';
import { layerActivation } from './activations';
import { ConvertContext, ConvertError, LayerLike, LayerLowering, TValue, channelsFirst, inLayout, layerWhere, one, option, requireFloat, requireRank, tuple, unsupported, weight } from './types';

function spatialOptions(layer: LayerLike, d: number, paddings: string[]) {
  option(layer, 'dataFormat', [undefined, null, 'channelsLast'], '"channelsLast"');
  const padding = option<'same' | 'valid'>(layer, 'padding', paddings as ('same' | 'valid')[]);
  const kernel = tuple(layer, 'kernelSize', d);
  const strides = tuple(layer, 'strides', d);
  const dil = layer.getConfig().dilationRate;
  const dilations = dil === undefined || dil === null ? Array(d).fill(1) : tuple(layer, 'dilationRate', d);
  return { padding, kernel, strides, dilations };
}

function conv(ctx: ConvertContext, layer: LayerLike, x: TValue, w: Float32Array, wDims: number[], bias: Float32Array | undefined, o: ReturnType<typeof spatialOptions>, group: number, hint = layer.name): TValue {
  const d = o.kernel.length;
  const inSize = x.shape.slice(0, d);
  const geo = convGeometry(inSize, o.kernel, o.strides, o.dilations, o.padding, group);
  if (geo.out.some((v) => v < 1)) throw new ConvertError(`${layerWhere(layer)}: a ${inSize.join('x')} input gives an empty output`);
  const y = convOp(ctx.g, hint, x.name, w, wDims, bias, geo.attrs);
  return { name: y, shape: [...geo.out, wDims[0]], perm: x.perm, dtype: 'float32' };
}

function convInput(ctx: ConvertContext, layer: LayerLike, inputs: TValue[], d: number): TValue {
  const x = one(layer, inputs);
  requireFloat(layer, x);
  requireRank(layer, x, [d + 2]);
  return inLayout(ctx, x, channelsFirst(d + 2));
}

function biasOf(ctx: ConvertContext, layer: LayerLike, n: number): Float32Array | undefined {
  return layer.getConfig().useBias === false ? undefined : weight(ctx, layer, 'bias', [n]).data;
}

function lowerConvNd(d: 1 | 2): LayerLowering {
  return (ctx, layer, inputs) => {
    const x = convInput(ctx, layer, inputs, d);
    const o = spatialOptions(layer, d, ['valid', 'same']);
    const cin = x.shape[d];
    const cout = layer.getConfig().filters as number;
    const k = weight(ctx, layer, 'kernel', [...o.kernel, cin, cout]);
    const y = conv(ctx, layer, x, toOihw(k.data, o.kernel, cin, cout), [cout, cin, ...o.kernel], biasOf(ctx, layer, cout), o, 1);
    return [layerActivation(ctx, layer, y)];
  };
}

export const lowerConv1D = lowerConvNd(1);
export const lowerConv2D = lowerConvNd(2);

/** Depthwise kernel [KH, KW, Cin, M] -> grouped Conv weights [Cin * M, 1, KH, KW] (output channel c * M + m). */
function depthwiseWeights(k: Float32Array, spatial: number[], cin: number, mult: number): Float32Array {
  const ks = spatial.reduce((a, b) => a * b, 1);
  const out = new Float32Array(k.length);
  for (let s = 0; s < ks; s++) for (let c = 0; c < cin; c++) for (let m = 0; m < mult; m++) out[(c * mult + m) * ks + s] = k[(s * cin + c) * mult + m];
  return out;
}

export const lowerDepthwiseConv2D: LayerLowering = (ctx, layer, inputs) => {
  const x = convInput(ctx, layer, inputs, 2);
  const o = spatialOptions(layer, 2, ['valid', 'same']);
  const cin = x.shape[2];
  const mult = (layer.getConfig().depthMultiplier as number | undefined) ?? 1;
  const k = weight(ctx, layer, 'depthwise_kernel', [...o.kernel, cin, mult]);
  const y = conv(ctx, layer, x, depthwiseWeights(k.data, o.kernel, cin, mult), [cin * mult, 1, ...o.kernel], biasOf(ctx, layer, cin * mult), o, cin);
  return [layerActivation(ctx, layer, y)];
};

export const lowerSeparableConv2D: LayerLowering = (ctx, layer, inputs) => {
  const x = convInput(ctx, layer, inputs, 2);
  const o = spatialOptions(layer, 2, ['valid', 'same']);
  const cin = x.shape[2];
  const mult = (layer.getConfig().depthMultiplier as number | undefined) ?? 1;
  const cout = layer.getConfig().filters as number;
  const dk = weight(ctx, layer, 'depthwise_kernel', [...o.kernel, cin, mult]);
  const pk = weight(ctx, layer, 'pointwise_kernel', [1, 1, cin * mult, cout]);
  const mid = conv(ctx, layer, x, depthwiseWeights(dk.data, o.kernel, cin, mult), [cin * mult, 1, ...o.kernel], undefined, o, cin, `${layer.name}.depthwise`);
  const point = { padding: 'valid' as const, kernel: [1, 1], strides: [1, 1], dilations: [1, 1] };
  const y = conv(ctx, layer, mid, toOihw(pk.data, [1, 1], cin * mult, cout), [cout, cin * mult, 1, 1], biasOf(ctx, layer, cout), point, 1, `${layer.name}.pointwise`);
  return [layerActivation(ctx, layer, y)];
};

/**
 * Conv2DTranspose: tfjs's output size (same: in * stride; valid: in * stride + max(k - stride, 0)) and pads (those of
 * the forward 'same' conv from that size back to the input); ONNX's output_padding makes up the rows a stride
 * larger than the kernel leaves, at the end as tfjs has them.
 */
export const lowerConv2DTranspose: LayerLowering = (ctx, layer, inputs) => {
  const x = convInput(ctx, layer, inputs, 2);
  const o = spatialOptions(layer, 2, ['valid', 'same']);
  if (o.dilations.some((v) => v !== 1)) throw unsupported(layer, 'dilationRate', layer.getConfig().dilationRate, '1');
  const cin = x.shape[2];
  const cout = layer.getConfig().filters as number;
  const k = weight(ctx, layer, 'kernel', [...o.kernel, cout, cin]);
  // [KH, KW, Cout, Cin] -> [Cin, Cout, KH, KW]
  const ks = o.kernel[0] * o.kernel[1];
  const w = new Float32Array(k.data.length);
  for (let s = 0; s < ks; s++) for (let c = 0; c < cout; c++) for (let i = 0; i < cin; i++) w[(i * cout + c) * ks + s] = k.data[(s * cout + c) * cin + i];
  const before: number[] = [];
  const after: number[] = [];
  const outPad: number[] = [];
  const out: number[] = [];
  for (let a = 0; a < 2; a++) {
    const size = x.shape[a], s = o.strides[a], kk = o.kernel[a];
    const n = o.padding === 'same' ? size * s : size * s + Math.max(kk - s, 0);
    const total = o.padding === 'same' ? Math.max((size - 1) * s + kk - n, 0) : 0;
    before.push(Math.floor(total / 2));
    after.push(total - Math.floor(total / 2));
    outPad.push(n - (s * (size - 1) + kk - total));
    out.push(n);
  }
  const ins = [x.name, ctx.g.weight(`${layer.name}.kernel`, w, [cin, cout, ...o.kernel])];
  const bias = biasOf(ctx, layer, cout);
  if (bias) ins.push(ctx.g.weight(`${layer.name}.bias`, bias, [cout]));
  const y = ctx.g.op(
    'ConvTranspose',
    ins,
    { kernel_shape: attr.ints(o.kernel), strides: attr.ints(o.strides), pads: attr.ints([...before, ...after]), output_padding: attr.ints(outPad) },
    layer.name,
  );
  return [layerActivation(ctx, layer, { name: y, shape: [...out, cout], perm: x.perm, dtype: 'float32' })];
};
