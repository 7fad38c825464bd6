/**
 * An inference batch norm that could not be folded into a preceding dense/conv (e.g. one after an activation):
 * y = x * scale + shift per feature, the feature being the channel of an NCHW image.
 */
import { Lowering, batchNormAffine } from './types';
import { ExportError } from './types';

export const lowerBatchNorm: Lowering<'batchNorm'> = (ctx, layer, x) => {
  const { scale, shift } = batchNormAffine(ctx, layer);
  const features = x.layout === 'vec' ? x.features : x.c;
  if (features !== layer.features) throw new ExportError(`model "${ctx.model}": batch norm "${layer.name}" has ${layer.features} features, its input has ${features}`);
  let s = scale;
  let t = shift;
  if (x.layout === 'vec' && x.perm) {
    const perm = x.perm;
    s = Float32Array.from(perm, (p) => scale[p]);
    t = Float32Array.from(perm, (p) => shift[p]);
  }
  const dims = x.layout === 'vec' ? [features] : [features, 1, 1];
  const S = ctx.g.weight(`${ctx.prefix}${layer.name}.scale`, s, dims);
  const T = ctx.g.weight(`${ctx.prefix}${layer.name}.shift`, t, dims);
  const y = ctx.g.op('Add', [ctx.g.op('Mul', [x.name, S], {}, `${ctx.prefix}${layer.name}.mul`), T], {}, `${ctx.prefix}${layer.name}`);
  return { ...x, name: y };
};
