/**
 * RealNVP's ONNX graphs (definition.ts), both single-pass, no Loop:
 *   density  x [N, D] -> log_prob [N], z [N, D]: per coupling Gather (unless identity), Split at c, the conditioner
 *            lowered from its stack (export/lower), Split into raw log-scales and shifts, s = B Tanh(r / B),
 *            b * Exp(s) + t, Concat; log_prob = log N(z; 0, I) + sum s, the sums in float64 like maf-log-prob.ts.
 *   sampling z [N, D] -> x [N, D]: the couplings in reverse, (b - t) * Exp(-s), then the inverse Gather.
 */
import { GraphBuilder, attr } from '../../export/onnx/graph-builder';
import { DataType } from '../../export/onnx/proto';
import { lowerStack } from '../../export/lower/stack';
import { ExportError, LowerContext, WeightMap } from '../../export/lower/types';
import { BuiltGraph } from '../../export/graphs/built-graph';
import { flowDensityOutputs, toDouble } from '../../export/graphs/flow-density';
import { invertPermutation } from '../maf/maf';
import { Coupling, RealNvpDefinition } from './definition';
import { gatherColumns } from '../../export/onnx/permute';


function isIdentity(p: number[]): boolean {
  return p.every((v, i) => v === i);
}

/** Splits h at the coupling's c and runs its conditioner: the kept half a, the other half b, and s, t. */
function coupling(ctx: LowerContext, def: RealNvpDefinition, c: Coupling, h: string, k: number): { a: string; b: string; s: string; t: string } {
  const g = ctx.g;
  const d = def.inputSize;
  const m = d - c.split;
  const [a, b] = g.opN('Split', [h, g.int64s([c.split, m])], 2, { axis: attr.int(1) }, `coupling${k}.halves`);
  const out = lowerStack(ctx, c.net, { layout: 'vec', name: a, features: c.split });
  if (out.layout !== 'vec' || out.features !== 2 * m || out.perm) throw new ExportError(`model "${ctx.model}": the conditioner of coupling ${k} must output [N, ${2 * m}] (log-scales, shifts)`);
  const [r, t] = g.opN('Split', [out.name, g.int64s([m, m])], 2, { axis: attr.int(1) }, `coupling${k}.scale_shift`);
  const bound = g.floatScalar(def.logScaleBound);
  const s = g.op('Mul', [g.op('Tanh', [g.op('Div', [r, bound], {}, `coupling${k}.r_over_bound`)], {}, `coupling${k}.tanh`), bound], {}, `coupling${k}.log_scale`);
  return { a, b, s, t };
}

function checkDefinition(def: RealNvpDefinition, model: string): void {
  def.couplings.forEach((c, k) => {
    if (c.permutation.length !== def.inputSize || !(c.split >= 1 && c.split < def.inputSize)) throw new ExportError(`model "${model}": coupling ${k} does not fit D = ${def.inputSize}`);
    invertPermutation(c.permutation);
  });
}

export function realnvpDensityGraph(def: RealNvpDefinition, weights: WeightMap, model: string): BuiltGraph {
  checkDefinition(def, model);
  const d = def.inputSize;
  const g = new GraphBuilder(`${model}.log_prob`);
  const ctx: LowerContext = { g, weights, model, prefix: '' };
  let h = g.input('x', DataType.FLOAT, ['N', d]);
  let sumS: string | undefined;
  def.couplings.forEach((c, k) => {
    if (!isIdentity(c.permutation)) h = gatherColumns(g, h, c.permutation, `coupling${k}.permuted`);
    const { a, b, s, t } = coupling(ctx, def, c, h, k);
    const y = g.op('Add', [g.op('Mul', [b, g.op('Exp', [s], {}, `coupling${k}.scale`)], {}, `coupling${k}.scaled`), t], {}, `coupling${k}.y`);
    h = g.op('Concat', [a, y], { axis: attr.int(1) }, `coupling${k}.h`);
    const s64 = toDouble(g, s, `coupling${k}.s_f64`);
    const sum = g.op('ReduceSum', [s64, g.int64s([1])], { keepdims: attr.int(0) }, `coupling${k}.sum_s`);
    sumS = sumS ? g.op('Add', [sumS, sum], {}, `sum_s_${k}`) : sum;
  });
  return flowDensityOutputs(g, h, d, { sum: sumS!, op: 'Add' });
}

export function realnvpSampleGraph(def: RealNvpDefinition, weights: WeightMap, model: string): BuiltGraph {
  checkDefinition(def, model);
  const d = def.inputSize;
  const g = new GraphBuilder(`${model}.sample`);
  const ctx: LowerContext = { g, weights, model, prefix: '' };
  g.reserve('x');
  let h = g.input('z', DataType.FLOAT, ['N', d]);
  for (let k = def.couplings.length - 1; k >= 0; k--) {
    const c = def.couplings[k];
    const { a, b, s, t } = coupling(ctx, def, c, h, k);
    const inv = g.op('Exp', [g.op('Neg', [s], {}, `coupling${k}.neg_s`)], {}, `coupling${k}.inv_scale`);
    const xb = g.op('Mul', [g.op('Sub', [b, t], {}, `coupling${k}.unshifted`), inv], {}, `coupling${k}.xb`);
    h = g.op('Concat', [a, xb], { axis: attr.int(1) }, `coupling${k}.h`);
    if (!isIdentity(c.permutation)) h = gatherColumns(g, h, invertPermutation(c.permutation), `coupling${k}.unpermuted`);
  }
  g.output('x', h, DataType.FLOAT, ['N', d]);
  return {
    role: 'sample',
    graph: g,
    inputs: [{ name: 'z', dtype: 'float32', shape: ['N', d], description: 'latent noise, N(0, I)' }],
    outputs: [{ name: 'x', dtype: 'float32', shape: ['N', d], description: 'samples, in the coordinates the model was trained on' }],
  };
}
