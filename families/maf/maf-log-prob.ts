/**
 * MAF density graph (definition: families/maf/maf.ts, made.ts), x [N, D] -> log_prob [N] and z [N, D], one pass:
 * per flow k one MADE pass gives mu, alpha (columns 0..D-1 and D..2D-1 of its output), h <- (h - mu) * exp(-alpha),
 * the log-det accumulates -sum alpha, then h <- h[:, permutation_k] (a Gather); finally log N(z; 0, I) + log-det.
 * Elementwise work is float32 like training; the reductions into log_prob are float64 (Cast), output float32.
 */
import { MafDefinition } from './maf';
import { GraphBuilder, attr } from '../../export/onnx/graph-builder';
import { DataType } from '../../export/onnx/proto';
import { LowerContext, WeightMap } from '../../export/lower/types';
import { BuiltGraph } from '../../export/graphs/built-graph';
import { flowDensityOutputs, toDouble } from '../../export/graphs/flow-density';
import { checkDefinition, madePass } from './maf-made-pass';
import { gatherColumns } from '../../export/onnx/permute';

export function mafDensityGraph(def: MafDefinition, weights: WeightMap, model: string): BuiltGraph {
  checkDefinition(def, model);
  const d = def.inputSize;
  const g = new GraphBuilder(`${model}.log_prob`);
  const ctx: LowerContext = { g, weights, model, prefix: '' };
  let h = g.input('x', DataType.FLOAT, ['N', d]);
  let sumAlpha: string | undefined;
  def.flows.forEach((flow, k) => {
    const { mu, alpha } = madePass(ctx, flow.made, h, k);
    const z = g.op('Mul', [g.op('Sub', [h, mu], {}, `flow${k}.centred`), g.op('Exp', [g.op('Neg', [alpha], {}, `flow${k}.neg_alpha`)], {}, `flow${k}.inv_scale`)], {}, `flow${k}.z`);
    const s = g.op('ReduceSum', [toDouble(g, alpha, `flow${k}.alpha_f64`), g.int64s([1])], { keepdims: attr.int(0) }, `flow${k}.sum_alpha`);
    sumAlpha = sumAlpha ? g.op('Add', [sumAlpha, s], {}, `sum_alpha_${k}`) : s;
    h = gatherColumns(g, z, flow.permutation, `flow${k}.permuted`);
  });
  // log N(z; 0, I) - sum alpha.
  return flowDensityOutputs(g, h, d, { sum: sumAlpha!, op: 'Sub' });
}
