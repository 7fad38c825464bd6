/**
 * A dense layer applied to concat([z, oneHot(label, K)]) (the conditional generator's input), lowered without
 * building the one-hot: oneHot(label) @ W_label is row `label` of W_label, so the graph is Gemm(z, W_z, b) plus
 * Gather(W_label, label). Folded batch norm and output permutation apply to both parts alike.
 */
import { LayerSpec } from '../../training/nets/layers';
import { exportedDense } from './dense';
import { embeddingOp } from './embedding';
import { ExportError, LayerPlan, LowerContext, Value, getWeight, isIdentity } from './types';

export function lowerLabelConcatDense(
  ctx: LowerContext,
  layer: Extract<LayerSpec, { kind: 'dense' }>,
  plan: LayerPlan,
  z: Value,
  /** int64 [N] class indices. */
  label: string,
  numClasses: number,
): Value {
  if (z.layout !== 'vec') throw new ExportError(`model "${ctx.model}": conditional dense "${layer.name}" needs a [N, F] latent input`);
  const nZ = layer.inFeatures - numClasses;
  if (z.features !== nZ) throw new ExportError(`model "${ctx.model}": dense "${layer.name}" takes ${layer.inFeatures} = latent + ${numClasses} classes, got a latent of ${z.features}`);
  const kernel = getWeight(ctx, `${layer.name}.kernel`, [layer.inFeatures, layer.units]).data;
  const bias = getWeight(ctx, `${layer.name}.bias`, [layer.units]).data;
  const inPerm = new Int32Array(layer.inFeatures);
  for (let i = 0; i < layer.inFeatures; i++) inPerm[i] = i < nZ && z.perm ? z.perm[i] : i;
  const { w, b } = exportedDense(ctx, layer.name, kernel, bias, layer.inFeatures, layer.units, inPerm, plan);
  const nOut = layer.units;
  const W = ctx.g.weight(`${ctx.prefix}${layer.name}.kernel`, w.slice(0, nZ * nOut), [nZ, nOut]);
  const T = ctx.g.weight(`${ctx.prefix}${layer.name}.label_rows`, w.slice(nZ * nOut), [numClasses, nOut]);
  const B = ctx.g.weight(`${ctx.prefix}${layer.name}.bias`, b, [nOut]);
  const fromZ = ctx.g.op('Gemm', [z.name, W, B], {}, `${ctx.prefix}${layer.name}.z`);
  const fromLabel = embeddingOp(ctx.g, T, label, `${ctx.prefix}${layer.name}.label`);
  const y = ctx.g.op('Add', [fromZ, fromLabel], {}, `${ctx.prefix}${layer.name}`);
  return { layout: 'vec', name: y, features: nOut, perm: isIdentity(plan.outPerm) ? undefined : plan.outPerm };
}
