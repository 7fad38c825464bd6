/**
 * dense and maskedDense -> one Gemm (a big masked layer: a staircase of Gemms, see `staircase`). The MADE mask is
 * multiplied into the kernel at export (the graph never sees it), a following inference batch norm is folded into
 * kernel and bias, and input/output feature permutations (see types.ts) are applied to the kernel's rows/columns.
 * `denseOp` is the one lowering of a dense layer's product, shared with `dgm convert`'s Dense (tfjs-layers/dense.ts).
 */
import { LayerSpec, maskOf } from '../../training/nets/layers';
import { StaircasePlan, staircasePlan, staircaseProducts } from '../../training/nets/staircase';
import { GraphBuilder, attr } from '../onnx/graph-builder';
import { batchNormAffine } from './batch-norm';
import { ExportError, LayerPlan, LowerContext, Lowering, Value, getWeight, isIdentity } from './types';

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

/**
 * x . W + b for a kernel [nIn, nOut] applied to the last stored axis of `x` (stored rank `rank`): one Gemm on
 * [N, F], MatMul + Add on a higher rank. Initializers `${hint}.kernel`, `${hint}.bias`; the result is named `hint`.
 */
export function denseOp(g: GraphBuilder, hint: string, x: string, w: Float32Array, b: Float32Array, nIn: number, nOut: number, rank = 2): string {
  const W = g.weight(`${hint}.kernel`, w, [nIn, nOut]);
  const B = g.weight(`${hint}.bias`, b, [nOut]);
  if (rank === 2) return g.op('Gemm', [x, W, B], {}, hint);
  return g.op('Add', [g.op('MatMul', [x, W], {}, `${hint}.matmul`), B], {}, hint);
}

function gemm(ctx: LowerContext, name: string, kernel: Float32Array, bias: Float32Array, nIn: number, nOut: number, x: Value, plan: LayerPlan): Value {
  if (x.layout !== 'vec') throw new ExportError(`model "${ctx.model}": dense layer "${name}" needs a [N, F] input, got an image (add a reshape)`);
  if (x.features !== nIn) throw new ExportError(`model "${ctx.model}": dense layer "${name}" expects ${nIn} input features, got ${x.features}`);
  const { w, b } = exportedDense(ctx, name, kernel, bias, nIn, nOut, x.perm, plan);
  const y = denseOp(ctx.g, `${ctx.prefix}${name}`, x.name, w, b, nIn, nOut);
  return { layout: 'vec', name: y, features: nOut, perm: isIdentity(plan.outPerm) ? undefined : plan.outPerm };
}

export const lowerDense: Lowering<'dense'> = (ctx, layer, x, plan) => {
  const kernel = getWeight(ctx, `${layer.name}.kernel`, [layer.inFeatures, layer.units]).data;
  const bias = getWeight(ctx, `${layer.name}.bias`, [layer.units]).data;
  return gemm(ctx, layer.name, kernel, bias, layer.inFeatures, layer.units, x, plan);
};

/** Masked layers at least this big (rows x cols) are lowered as a staircase when it keeps at most `maxWork` of the
 *  dense product's multiply-adds in at most `maxProducts` products; others stay one Gemm (extra nodes would cost
 *  more than the zeros they skip). The staircase made the maf-fmnist log_prob graph smaller and faster on
 *  onnxruntime-node at batch 1 and 256 (docs/findings.md). */
const STAIRCASE = { minSize: 1 << 16, maxWork: 0.8, maxProducts: 32, block: 256 };

/** A masked layer's kernel with its mask (layers.ts maskOf) multiplied in: [nIn, nOut] row-major. */
export function maskedKernel(ctx: LowerContext, layer: Extract<LayerSpec, { kind: 'maskedDense' }>): Float32Array {
  const kernel = getWeight(ctx, `${layer.name}.kernel`, [layer.inDegrees.length, layer.outDegrees.length]).data;
  const mask = maskOf(layer);
  const masked = new Float32Array(kernel.length);
  for (let k = 0; k < kernel.length; k++) masked[k] = kernel[k] * mask[k];
  return masked;
}

export const lowerMaskedDense: Lowering<'maskedDense'> = (ctx, layer, x, plan) => {
  const nIn = layer.inDegrees.length;
  const nOut = layer.outDegrees.length;
  const masked = maskedKernel(ctx, layer);
  const bias = getWeight(ctx, `${layer.name}.bias`, [nOut]).data;
  if (x.layout === 'vec' && x.features === nIn && !x.perm && !plan.foldBn && isIdentity(plan.outPerm) && nIn * nOut >= STAIRCASE.minSize) {
    const steps = staircasePlan(layer.inDegrees, layer.outDegrees, layer.strict, { block: STAIRCASE.block });
    if (steps.work <= STAIRCASE.maxWork && staircaseProducts(steps) <= STAIRCASE.maxProducts) return staircase(ctx, layer.name, masked, bias, steps, x.name);
  }
  return gemm(ctx, layer.name, masked, bias, nIn, nOut, x, plan);
};

/**
 * y = x . W + b as the staircase of the mask (training/nets/staircase.ts): per block of output columns, one Gemm
 * (MatMul for a second row range) over the input columns the block's mask touches, then one Concat. The kernel
 * blocks are initializers cut at export, so the runtime packs each once, as it does the whole kernel of a Gemm.
 */
function staircase(ctx: LowerContext, name: string, masked: Float32Array, bias: Float32Array, steps: StaircasePlan, x: string): Value {
  const g = ctx.g;
  const { rows, cols } = steps;
  const slices = new Map<string, string>();
  const columnsOfX = (start: number, end: number): string => {
    if (start === 0 && end === rows) return x;
    const key = `${start}:${end}`;
    let v = slices.get(key);
    if (!v) {
      v = g.op('Slice', [x, g.int64s([start]), g.int64s([end]), g.int64s([1])], {}, `${ctx.prefix}${name}.x_${start}_${end}`);
      slices.set(key, v);
    }
    return v;
  };
  const parts = steps.colBlocks.map((b, k) => {
    const c0 = b.range.start, c1 = b.range.end, nc = c1 - c0;
    // A block that sees no input is its bias alone: give it row 0, whose masked weights there are all zero.
    const pieces = b.pieces.length > 0 ? b.pieces : [{ start: 0, end: 1 }];
    const terms = pieces.map((p, j) => {
      const nr = p.end - p.start;
      const w = new Float32Array(nr * nc);
      for (let r = 0; r < nr; r++) w.set(masked.subarray((p.start + r) * cols + c0, (p.start + r) * cols + c1), r * nc);
      const W = g.weight(`${ctx.prefix}${name}.kernel.b${k}.p${j}`, w, [nr, nc]);
      const xs = columnsOfX(p.start, p.end);
      if (j > 0) return g.op('MatMul', [xs, W], {}, `${ctx.prefix}${name}.b${k}.p${j}`);
      const B = g.weight(`${ctx.prefix}${name}.bias.b${k}`, bias.slice(c0, c1), [nc]);
      return g.op('Gemm', [xs, W, B], {}, `${ctx.prefix}${name}.b${k}`);
    });
    return terms.length === 1 ? terms[0] : g.op('Sum', terms, {}, `${ctx.prefix}${name}.b${k}.sum`);
  });
  const y = parts.length === 1 ? parts[0] : g.op('Concat', parts, { axis: attr.int(1) }, `${ctx.prefix}${name}`);
  return { layout: 'vec', name: y, features: cols };
}
