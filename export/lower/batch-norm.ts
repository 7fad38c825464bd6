/**
 * Inference batch norm, for both paths: `batchNormOp` is the one lowering of a batch norm that stands on its own (the
 * project's batchNorm LayerSpec where no dense/conv precedes it to fold into, e.g. one after an activation; `dgm
 * convert`'s BatchNormalization, tfjs-layers/normalization.ts), `batchNormScaleShift` the one folding of its
 * statistics into y = x * scale + shift (also what dense.ts and conv2d.ts fold into a preceding layer's weights).
 */
import { LayerSpec } from '../../training/nets/layers';
import { GraphBuilder, attr } from '../onnx/graph-builder';
import { ExportError, LowerContext, Lowering, getWeight } from './types';

export interface BatchNormStats {
  gamma: Float32Array;
  beta: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
  eps: number;
}

/** Per-feature affine y = x*scale + shift of an inference batch norm. */
export function batchNormScaleShift(st: BatchNormStats): { scale: Float32Array; shift: Float32Array } {
  const f = st.gamma.length;
  const scale = new Float32Array(f);
  const shift = new Float32Array(f);
  for (let i = 0; i < f; i++) {
    // Computed in float64, then rounded once: folding should not add error of its own.
    const s = st.gamma[i] / Math.sqrt(st.variance[i] + st.eps);
    scale[i] = s;
    shift[i] = st.beta[i] - st.mean[i] * s;
  }
  return { scale, shift };
}

/** The statistics of a batchNorm LayerSpec, from the checkpoint's weights. */
export function batchNormStats(ctx: LowerContext, bn: Extract<LayerSpec, { kind: 'batchNorm' }>): BatchNormStats {
  const f = bn.features;
  const get = (k: string) => getWeight(ctx, `${bn.name}.${k}`, [f]).data;
  return { gamma: get('gamma'), beta: get('beta'), mean: get('runningMean'), variance: get('runningVar'), eps: bn.eps };
}

export function batchNormAffine(ctx: LowerContext, bn: Extract<LayerSpec, { kind: 'batchNorm' }>): { scale: Float32Array; shift: Float32Array } {
  return batchNormScaleShift(batchNormStats(ctx, bn));
}

/**
 * A batch norm over stored axis `axis` of `x` (stored rank `rank`; stored feature i is feature perm[i] when `perm` is
 * given). form 'onnx': ONNX BatchNormalization (axis 1 only; onnxruntime folds it into a preceding Conv/Gemm);
 * 'affine': Mul + Add with scale and shift folded in float64 and rounded once.
 */
export function batchNormOp(g: GraphBuilder, hint: string, x: string, st: BatchNormStats, rank: number, axis: number, form: 'onnx' | 'affine', perm?: Int32Array): string {
  const f = st.gamma.length;
  const p = (v: Float32Array) => (perm ? Float32Array.from(perm, (k) => v[k]) : v);
  const s: BatchNormStats = { gamma: p(st.gamma), beta: p(st.beta), mean: p(st.mean), variance: p(st.variance), eps: st.eps };
  if (axis < 1 || axis >= rank) throw new Error(`batchNormOp: stored axis ${axis} of a rank-${rank} value is not a feature axis`);
  if (form === 'onnx') {
    if (axis !== 1) throw new Error(`batchNormOp: ONNX BatchNormalization normalizes axis 1, not ${axis}`);
    const ins = [x, g.weight(`${hint}.gamma`, s.gamma, [f]), g.weight(`${hint}.beta`, s.beta, [f]), g.weight(`${hint}.mean`, s.mean, [f]), g.weight(`${hint}.variance`, s.variance, [f])];
    return g.op('BatchNormalization', ins, { epsilon: attr.float(s.eps) }, hint);
  }
  const { scale, shift } = batchNormScaleShift(s);
  const dims = Array.from({ length: rank - axis }, (_, i) => (i === 0 ? f : 1));
  const S = g.weight(`${hint}.scale`, scale, dims);
  const T = g.weight(`${hint}.shift`, shift, dims);
  return g.op('Add', [g.op('Mul', [x, S], {}, `${hint}.mul`), T], {}, hint);
}

export const lowerBatchNorm: Lowering<'batchNorm'> = (ctx, layer, x) => {
  const features = x.layout === 'vec' ? x.features : x.c;
  if (features !== layer.features) throw new ExportError(`model "${ctx.model}": batch norm "${layer.name}" has ${layer.features} features, its input has ${features}`);
  const rank = x.layout === 'vec' ? 2 : 4;
  const y = batchNormOp(ctx.g, `${ctx.prefix}${layer.name}`, x.name, batchNormStats(ctx, layer), rank, 1, 'affine', x.layout === 'vec' ? x.perm : undefined);
  return { ...x, name: y };
};
