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
import { checkDefinition, madePass } from './maf-made-pass';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

function toDouble(g: GraphBuilder, v: string, hint: string): string {
  return g.op('Cast', [v], { to: attr.int(DataType.DOUBLE) }, hint);
}

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
    h = g.op('Gather', [z, g.int64s(flow.permutation)], { axis: attr.int(1) }, `flow${k}.permuted`);
  });
  // log N(z; 0, I) - sum alpha = -0.5 * sum z^2 - D/2 log(2 pi) - sum alpha, summed in float64: at D = 784 the
  // terms add up to thousands of nats, where float32 sums drift by more than the 1e-3 nats the export promises.
  const z64 = toDouble(g, h, 'z_f64');
  const sq = g.op('ReduceSum', [g.op('Mul', [z64, z64], {}, 'z_sq'), g.int64s([1])], { keepdims: attr.int(0) }, 'sum_z_sq');
  const base = g.op('Sub', [g.op('Mul', [sq, g.doubleScalar(-0.5)], {}, 'half_sq'), g.doubleScalar(d * HALF_LOG_2PI)], {}, 'base_log_prob');
  const logProb = g.op('Cast', [g.op('Sub', [base, sumAlpha!], {}, 'log_prob_f64')], { to: attr.int(DataType.FLOAT) }, 'log_prob_f32');
  g.output('log_prob', logProb, DataType.FLOAT, ['N']);
  g.output('z', h, DataType.FLOAT, ['N', d]);
  return {
    role: 'log_prob',
    graph: g,
    inputs: [{ name: 'x', dtype: 'float32', shape: ['N', d], description: 'data, in the coordinates the model was trained on' }],
    outputs: [
      { name: 'log_prob', dtype: 'float32', shape: ['N'], description: 'log density of x in nats' },
      { name: 'z', dtype: 'float32', shape: ['N', d], description: 'latent (base-normal) coordinates of x' },
    ],
  };
}
