/**
 * conv2d (tfjs NHWC, kernel [KH, KW, Cin, Cout]) -> ONNX Conv on NCHW with weights [Cout, Cin, KH, KW] and explicit
 * pads computed the way tfjs does ('same': out = ceil(in / stride), the odd pixel of padding at the end), with a
 * following inference batch norm folded into weights and bias.
 */
import { Padding } from '../../training/nets/layers';
import { attr } from '../onnx/graph-builder';
import { ExportError, Lowering, batchNormAffine, getWeight } from './types';

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

export const lowerConv2d: Lowering<'conv2d'> = (ctx, layer, x, plan) => {
  if (x.layout !== 'nchw') throw new ExportError(`model "${ctx.model}": conv2d "${layer.name}" needs an image input, got [N, ${x.features}] (add a reshape)`);
  if (x.c !== layer.inChannels) throw new ExportError(`model "${ctx.model}": conv2d "${layer.name}" expects ${layer.inChannels} channels, got ${x.c}`);
  const { kernel: k, inChannels: cin, filters: cout, stride } = layer;
  const kernel = getWeight(ctx, `${layer.name}.kernel`, [k, k, cin, cout]).data;
  const bias = getWeight(ctx, `${layer.name}.bias`, [cout]).data;
  const affine = plan.foldBn ? batchNormAffine(ctx, plan.foldBn) : undefined;
  if (plan.foldBn && plan.foldBn.features !== cout) throw new ExportError(`model "${ctx.model}": batch norm "${plan.foldBn.name}" has ${plan.foldBn.features} features after conv2d "${layer.name}" with ${cout} filters`);
  const w = new Float32Array(cout * cin * k * k);
  const b = new Float32Array(cout);
  for (let o = 0; o < cout; o++) {
    const s = affine ? affine.scale[o] : 1;
    b[o] = affine ? bias[o] * s + affine.shift[o] : bias[o];
    for (let i = 0; i < cin; i++)
      for (let kh = 0; kh < k; kh++)
        for (let kw = 0; kw < k; kw++) w[((o * cin + i) * k + kh) * k + kw] = kernel[((kh * k + kw) * cin + i) * cout + o] * s;
  }
  const ah = convAxis(x.h, k, stride, layer.padding);
  const aw = convAxis(x.w, k, stride, layer.padding);
  if (ah.out < 1 || aw.out < 1) throw new ExportError(`model "${ctx.model}": conv2d "${layer.name}" on a ${x.h}x${x.w} image gives an empty output`);
  const W = ctx.g.weight(`${ctx.prefix}${layer.name}.kernel`, w, [cout, cin, k, k]);
  const B = ctx.g.weight(`${ctx.prefix}${layer.name}.bias`, b, [cout]);
  const y = ctx.g.op(
    'Conv',
    [x.name, W, B],
    {
      kernel_shape: attr.ints([k, k]),
      strides: attr.ints([stride, stride]),
      pads: attr.ints([ah.before, aw.before, ah.after, aw.after]),
    },
    `${ctx.prefix}${layer.name}`,
  );
  return { layout: 'nchw', name: y, h: ah.out, w: aw.out, c: cout };
};
