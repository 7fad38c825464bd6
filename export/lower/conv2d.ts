/**
 * Convolutions, for both paths: tfjs kernels [K..., Cin, Cout] (channels-last images) -> ONNX Conv on channels-first
 * values with weights [Cout, Cin, K...] and explicit pads computed the way tfjs does ('same': out = ceil(in / stride),
 * the odd pixel of padding at the end, for the dilated kernel). `convGeometry`, `tfKernelToOihw` and `convOp` are the
 * one lowering of a convolution: the project's conv2d LayerSpec (below, with a following inference batch norm folded
 * into weights and bias) and `dgm convert`'s Conv1D/Conv2D/DepthwiseConv2D/SeparableConv2D (tfjs-layers/conv.ts)
 * call them.
 */
import { Padding } from '../../training/nets/layers';
import { GraphBuilder, attr } from '../onnx/graph-builder';
import { batchNormAffine } from './batch-norm';
import { ExportError, Lowering, getWeight } from './types';

/** Output size and [before, after] padding of one spatial axis, as tfjs computes them. */
export function convAxis(size: number, kernel: number, stride: number, padding: Padding): { out: number; before: number; after: number } {
  if (padding === 'same') {
    const out = Math.ceil(size / stride);
    const total = Math.max((out - 1) * stride + kernel - size, 0);
    return { out, before: Math.floor(total / 2), after: total - Math.floor(total / 2) };
  }
  const p = padding === 'valid' ? 0 : padding;
  return { out: Math.floor((size + 2 * p - kernel) / stride) + 1, before: p, after: p };
}

export interface ConvAttrs {
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** ONNX order: all befores, then all afters. */
  pads: number[];
  group: number;
}

/** The attributes and output size of a convolution over `inSize` (one entry per spatial axis). */
export function convGeometry(inSize: number[], kernel: number[], strides: number[], dilations: number[], padding: Padding, group = 1): { attrs: ConvAttrs; out: number[] } {
  const before: number[] = [];
  const after: number[] = [];
  const out: number[] = [];
  inSize.forEach((size, i) => {
    const a = convAxis(size, (kernel[i] - 1) * dilations[i] + 1, strides[i], padding);
    before.push(a.before);
    after.push(a.after);
    out.push(a.out);
  });
  return { attrs: { kernel, strides, dilations, pads: [...before, ...after], group }, out };
}

/** tfjs kernel [K..., Cin, Cout] (row-major) -> ONNX [Cout, Cin, K...], output channel o scaled by scale[o] if given. */
export function tfKernelToOihw(k: Float32Array, spatial: number[], cin: number, cout: number, scale?: Float32Array): Float32Array {
  const ks = spatial.reduce((a, b) => a * b, 1);
  const out = new Float32Array(k.length);
  for (let s = 0; s < ks; s++) for (let i = 0; i < cin; i++) for (let o = 0; o < cout; o++) out[(o * cin + i) * ks + s] = scale ? k[(s * cin + i) * cout + o] * scale[o] : k[(s * cin + i) * cout + o];
  return out;
}

/** One ONNX Conv of channels-first `x` with weights `w` of dims `wDims` ([Cout, Cin / group, K...]). */
export function convOp(g: GraphBuilder, hint: string, x: string, w: Float32Array, wDims: number[], bias: Float32Array | undefined, a: ConvAttrs): string {
  const ins = [x, g.weight(`${hint}.kernel`, w, wDims)];
  if (bias) ins.push(g.weight(`${hint}.bias`, bias, [bias.length]));
  return g.op(
    'Conv',
    ins,
    { kernel_shape: attr.ints(a.kernel), strides: attr.ints(a.strides), dilations: attr.ints(a.dilations), pads: attr.ints(a.pads), group: attr.int(a.group) },
    hint,
  );
}

export const lowerConv2d: Lowering<'conv2d'> = (ctx, layer, x, plan) => {
  if (x.layout !== 'nchw') throw new ExportError(`model "${ctx.model}": conv2d "${layer.name}" needs an image input, got [N, ${x.features}] (add a reshape)`);
  if (x.c !== layer.inChannels) throw new ExportError(`model "${ctx.model}": conv2d "${layer.name}" expects ${layer.inChannels} channels, got ${x.c}`);
  const { kernel: k, inChannels: cin, filters: cout, stride } = layer;
  const kernel = getWeight(ctx, `${layer.name}.kernel`, [k, k, cin, cout]).data;
  const bias = getWeight(ctx, `${layer.name}.bias`, [cout]).data;
  if (plan.foldBn && plan.foldBn.features !== cout) throw new ExportError(`model "${ctx.model}": batch norm "${plan.foldBn.name}" has ${plan.foldBn.features} features after conv2d "${layer.name}" with ${cout} filters`);
  const affine = plan.foldBn ? batchNormAffine(ctx, plan.foldBn) : undefined;
  const b = affine ? Float32Array.from(bias, (v, o) => v * affine.scale[o] + affine.shift[o]) : bias;
  const geo = convGeometry([x.h, x.w], [k, k], [stride, stride], [1, 1], layer.padding);
  if (geo.out.some((o) => o < 1)) throw new ExportError(`model "${ctx.model}": conv2d "${layer.name}" on a ${x.h}x${x.w} image gives an empty output`);
  const y = convOp(ctx.g, `${ctx.prefix}${layer.name}`, x.name, tfKernelToOihw(kernel, [k, k], cin, cout, affine?.scale), [cout, cin, k, k], b, geo.attrs);
  return { layout: 'nchw', name: y, h: geo.out[0], w: geo.out[1], c: cout };
};
