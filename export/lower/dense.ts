/**
 * dense and maskedDense -> one Gemm. The MADE mask is multiplied into the kernel at export (the graph never sees
 * it), a following inference batch norm is folded into kernel and bias, and input/output feature permutations
 * (see types.ts) are applied to the kernel's rows/columns.
 */
import { maskOf } from '../../training/nets/layers';
import { ExportError, LayerPlan, LowerContext, Lowering, Value, batchNormAffine, getWeight, isIdentity } from './types';

/**
 * The exported [nIn, nOut] kernel and [nOut] bias of a dense layer: folded batch norm, input rows and output
 * columns permuted to the stored feature orders. Computed once on the host, so the graph has one Gemm.
 */
export function exportedDense(
  ctx: LowerContext,
  name: string,
  kernel: Float32Array,
  bias: Float32Array,
  nIn: number,
  nOut: number,
  inPerm: Int32Array | undefined,
  plan: LayerPlan,
): { w: Float32Array; b: Float32Array } {
  let scale: Float32Array | undefined;
  let shift: Float32Array | undefined;
  if (plan.foldBn) {
    if (plan.foldBn.features !== nOut) throw new ExportError(`model "${ctx.model}": batch norm "${plan.foldBn.name}" has ${plan.foldBn.features} features after "${name}" with ${nOut} units`);
    ({ scale, shift } = batchNormAffine(ctx, plan.foldBn));
  }
  const outPerm = plan.outPerm;
  const w = new Float32Array(nIn * nOut);
  const b = new Float32Array(nOut);
  for (let j = 0; j < nOut; j++) {
    const sj = outPerm ? outPerm[j] : j;
    const s = scale ? scale[sj] : 1;
    b[j] = scale && shift ? bias[sj] * s + shift[sj] : bias[sj];
    for (let i = 0; i < nIn; i++) {
      const si = inPerm ? inPerm[i] : i;
      w[i * nOut + j] = kernel[si * nOut + sj] * s;
    }
  }
  return { w, b };
}

function gemm(ctx: LowerContext, name: string, kernel: Float32Array, bias: Float32Array, nIn: number, nOut: number, x: Value, plan: LayerPlan): Value {
  if (x.layout !== 'vec') throw new ExportError(`model "${ctx.model}": dense layer "${name}" needs a [N, F] input, got an image (add a reshape)`);
  if (x.features !== nIn) throw new ExportError(`model "${ctx.model}": dense layer "${name}" expects ${nIn} input features, got ${x.features}`);
  const { w, b } = exportedDense(ctx, name, kernel, bias, nIn, nOut, x.perm, plan);
  const W = ctx.g.weight(`${ctx.prefix}${name}.kernel`, w, [nIn, nOut]);
  const B = ctx.g.weight(`${ctx.prefix}${name}.bias`, b, [nOut]);
  const y = ctx.g.op('Gemm', [x.name, W, B], {}, `${ctx.prefix}${name}`);
  return { layout: 'vec', name: y, features: nOut, perm: isIdentity(plan.outPerm) ? undefined : plan.outPerm };
}

export const lowerDense: Lowering<'dense'> = (ctx, layer, x, plan) => {
  const kernel = getWeight(ctx, `${layer.name}.kernel`, [layer.inFeatures, layer.units]).data;
  const bias = getWeight(ctx, `${layer.name}.bias`, [layer.units]).data;
  return gemm(ctx, layer.name, kernel, bias, layer.inFeatures, layer.units, x, plan);
};

export const lowerMaskedDense: Lowering<'maskedDense'> = (ctx, layer, x, plan) => {
  const nIn = layer.inDegrees.length;
  const nOut = layer.outDegrees.length;
  const kernel = getWeight(ctx, `${layer.name}.kernel`, [nIn, nOut]).data;
  const bias = getWeight(ctx, `${layer.name}.bias`, [nOut]).data;
  const mask = maskOf(layer);
  const masked = new Float32Array(kernel.length);
  for (let k = 0; k < kernel.length; k++) masked[k] = kernel[k] * mask[k];
  return gemm(ctx, layer.name, masked, bias, nIn, nOut, x, plan);
};
