/**
 * MAF sampling graph (definition: training/nets/maf.ts, made.ts), z [N, D] -> x [N, D]: per flow in reverse,
 * h <- h[:, inverse permutation], then the MADE's sequential inverse as an ONNX Loop of D iterations (not unrolled:
 * the graph does not grow with D; the weights are outer-scope initializers read by the body). Iteration t runs one
 * MADE pass on the current x and sets the dimensions of degree t: x <- Where(degrees == t, mu + z * exp(alpha), x).
 * Dimensions not yet set stay 0, exactly as madeForward does in tfjs, so a value that is not yet valid (it could be
 * inf) never meets a masked-out weight (inf * 0 = NaN).
 */
import { MadeDefinition } from '../../training/nets/made';
import { MafDefinition, invertPermutation } from '../../training/nets/maf';
import { GraphBuilder, attr } from '../onnx/graph-builder';
import { DataType } from '../onnx/proto';
import { LowerContext, WeightMap } from '../lower/types';
import { BuiltGraph } from './built-graph';
import { checkDefinition, madePass } from './maf-made-pass';

/** The MADE's sequential inverse as a Loop over the D degrees: z [N, D] (outer scope) -> x [N, D]. */
function madeInverseLoop(ctx: LowerContext, made: MadeDefinition, z: string, k: number): string {
  const g = ctx.g;
  const d = made.inputSize;
  const body = g.subgraph(`flow${k}.inverse_step`);
  const iter = body.freshInput(`flow${k}.t`, DataType.INT64, []);
  const condIn = body.freshInput(`flow${k}.cond_in`, DataType.BOOL, []);
  const xIn = body.freshInput(`flow${k}.x_in`, DataType.FLOAT, ['N', d]);
  const bctx: LowerContext = { ...ctx, g: body };
  const { mu, alpha } = madePass(bctx, made, xIn, k);
  const next = body.op('Add', [mu, body.op('Mul', [z, body.op('Exp', [alpha], {}, `flow${k}.scale`)], {}, `flow${k}.zs`)], {}, `flow${k}.x_next`);
  const pick = body.op('Equal', [g.int64s(made.degrees), iter], {}, `flow${k}.is_degree_t`);
  const xOut = body.op('Where', [pick, next, xIn], {}, `flow${k}.x_out`);
  // A body output may not be a body input itself: pass the condition through an Identity.
  body.outputValue(body.op('Identity', [condIn], {}, `flow${k}.cond_out`), DataType.BOOL, []);
  body.outputValue(xOut, DataType.FLOAT, ['N', d]);
  const x0 = g.op('ConstantOfShape', [g.op('Shape', [z], {}, `flow${k}.shape`)], {}, `flow${k}.x0`);
  // Trip count D; no condition input (the empty name), so the loop always runs D times.
  return g.op('Loop', [g.int64Scalar(d), '', x0], { body: attr.graph(body.toGraph()) }, `flow${k}.x`);
}

export function mafSampleGraph(def: MafDefinition, weights: WeightMap, model: string): BuiltGraph {
  checkDefinition(def, model);
  const d = def.inputSize;
  const g = new GraphBuilder(`${model}.sample`);
  const ctx: LowerContext = { g, weights, model, prefix: '' };
  let h = g.input('z', DataType.FLOAT, ['N', d]);
  for (let k = def.flows.length - 1; k >= 0; k--) {
    const flow = def.flows[k];
    const zk = g.op('Gather', [h, g.int64s(invertPermutation(flow.permutation))], { axis: attr.int(1) }, `flow${k}.unpermuted`);
    h = madeInverseLoop(ctx, flow.made, zk, k);
  }
  g.output('x', h, DataType.FLOAT, ['N', d]);
  return {
    role: 'sample',
    graph: g,
    inputs: [{ name: 'z', dtype: 'float32', shape: ['N', d], description: 'latent noise, standard normal' }],
    outputs: [{ name: 'x', dtype: 'float32', shape: ['N', d], description: 'sample, in the coordinates the model was trained on' }],
  };
}
