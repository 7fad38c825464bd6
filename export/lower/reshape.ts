/**
 * reshape keeps tfjs's NHWC element order while values are stored NCHW (types.ts): a flatten of an NCHW image
 * becomes a plain Reshape whose result is marked as feature-permuted, and a vector reshaped to an image that
 * already holds its features in CHW order (a dense planned for it) becomes a plain Reshape too. Anything else
 * goes through the tfjs order with a Gather/Transpose. `reshapeOp` is the one Reshape both paths emit (`dgm convert`'s
 * Flatten and Reshape, tfjs-layers/shape.ts, reshape a value brought to tfjs's order).
 */
import { GraphBuilder, attr } from '../onnx/graph-builder';
import { ExportError, LowerContext, Lowering, Value, chwPerm, isIdentity, samePerm } from './types';
import { gatherColumns } from '../onnx/permute';

/** `x` reshaped to [N, ...shape] (the batch kept as it is). */
export function reshapeOp(g: GraphBuilder, x: string, shape: number[], hint: string): string {
  return g.op('Reshape', [x, g.int64s([0, ...shape])], {}, hint);
}

/** The vector's features in tfjs order (a Gather when they are stored permuted). */
export function vecInTfOrder(ctx: LowerContext, x: Extract<Value, { layout: 'vec' }>): Extract<Value, { layout: 'vec' }> {
  if (isIdentity(x.perm)) return { layout: 'vec', name: x.name, features: x.features };
  const inv = new Array<number>(x.features);
  x.perm!.forEach((t, s) => (inv[t] = s));
  return { layout: 'vec', name: gatherColumns(ctx.g, x.name, inv, 'to_tf_order'), features: x.features };
}

export const lowerReshape: Lowering<'reshape'> = (ctx, layer, x) => {
  const shape = layer.shape;
  const size = shape.reduce((a, b) => a * b, 1);
  const have = x.layout === 'vec' ? x.features : x.h * x.w * x.c;
  if (shape.some((d) => !Number.isInteger(d) || d < 1) || size !== have) {
    throw new ExportError(`model "${ctx.model}": reshape to [${shape}] (${size} values) of an input with ${have} values per example`);
  }
  if (shape.length === 1) {
    if (x.layout === 'vec') return x;
    const y = reshapeOp(ctx.g, x.name, [size], 'flatten');
    const perm = chwPerm(x.h, x.w, x.c);
    return { layout: 'vec', name: y, features: size, perm: isIdentity(perm) ? undefined : perm };
  }
  if (shape.length === 3) {
    const [h, w, c] = shape;
    if (x.layout === 'vec') {
      if (samePerm(x.perm, chwPerm(h, w, c))) {
        return { layout: 'nchw', name: reshapeOp(ctx.g, x.name, [c, h, w], 'to_image'), h, w, c };
      }
      const nhwc = reshapeOp(ctx.g, vecInTfOrder(ctx, x).name, [h, w, c], 'to_image_nhwc');
      return { layout: 'nchw', name: ctx.g.op('Transpose', [nhwc], { perm: attr.ints([0, 3, 1, 2]) }, 'to_nchw'), h, w, c };
    }
    if (x.h === h && x.w === w && x.c === c) return x;
    const nhwc = ctx.g.op('Transpose', [x.name], { perm: attr.ints([0, 2, 3, 1]) }, 'to_nhwc');
    const r = reshapeOp(ctx.g, nhwc, [h, w, c], 'reshape_nhwc');
    return { layout: 'nchw', name: ctx.g.op('Transpose', [r], { perm: attr.ints([0, 3, 1, 2]) }, 'to_nchw'), h, w, c };
  }
  throw new ExportError(`model "${ctx.model}": reshape to [${shape}] is not supported (only [F] and [H, W, C])`);
};
