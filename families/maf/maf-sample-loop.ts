/**
 * MAF sampling graph (definition: families/maf/maf.ts, made.ts), z [N, D] -> x [N, D]: per flow in reverse,
 * h <- h[:, inverse permutation], then the MADE's sequential inverse as an ONNX Loop of D steps (not unrolled: the
 * graph does not grow with D; the weights are outer-scope initializers read by the body).
 *
 * Incremental, as madeForward does it in tfjs: the loop carries the first layer's pre-activation `pre` [N, H0].
 * Step t sets the dimension i of degree t from the two output columns of i alone,
 *   x_i = mu_i + z_i * exp(alpha_i),  (mu_i, alpha_i) = h(pre) . W_out[:, (i, D+i)] + b_out[(i, D+i)],
 * then adds x_i's rank-1 term to `pre` (pre += c(x_i) * W0m[i, :], c the conditioner input of made.ts). A dimension not yet set contributes nothing, as
 * the zero it would be in a full pass, so a value that is not yet valid never meets a masked-out weight. A step
 * costs O(N·H) for the first and last layers instead of a whole MADE pass, O(N·D·H). The steps' x_i come out as a
 * scan output [D, N] in degree order.
 */
import { MadeDefinition } from './made';
import { MafDefinition, invertPermutation } from './maf';
import { GraphBuilder, attr } from '../../export/onnx/graph-builder';
import { DataType } from '../../export/onnx/proto';
import { maskedKernel } from '../../export/lower/dense';
import { lowerStack } from '../../export/lower/stack';
import { ExportError, LowerContext, WeightMap, getWeight } from '../../export/lower/types';
import { BuiltGraph } from '../../export/graphs/built-graph';
import { boundLogScaleNode, checkDefinition, conditionerInputNode } from './maf-made-pass';
import { gatherColumns, gatherRows, rowsToColumns } from '../../export/onnx/permute';

/** The MADE's sequential inverse as a Loop over the D degrees: z [N, D] (outer scope) -> x [N, D]. */
function madeInverseLoop(ctx: LowerContext, made: MadeDefinition, z: string, k: number): string {
  const g = ctx.g;
  const d = made.inputSize;
  const stack = made.stack;
  const first = stack[0];
  const last = stack[stack.length - 1];
  if (first.kind !== 'maskedDense' || last.kind !== 'maskedDense' || last.outDegrees.length !== 2 * d || first.inDegrees.length !== d) {
    throw new ExportError(`model "${ctx.model}": MADE of flow ${k} must start with a masked layer on D = ${d} inputs and end with one of 2D outputs`);
  }
  const h0 = first.outDegrees.length;
  const hl = last.inDegrees.length;
  const w0 = g.weight(`${ctx.prefix}${first.name}.kernel`, maskedKernel(ctx, first), [d, h0]);
  const b0 = g.weight(`${ctx.prefix}${first.name}.bias`, getWeight(ctx, `${first.name}.bias`, [h0]).data, [h0]);
  const order = new Array<number>(d);
  made.degrees.forEach((deg, i) => (order[deg] = i));

  const body = g.subgraph(`flow${k}.inverse_step`);
  const iter = body.freshInput(`flow${k}.t`, DataType.INT64, []);
  const condIn = body.freshInput(`flow${k}.cond_in`, DataType.BOOL, []);
  const preIn = body.freshInput(`flow${k}.pre_in`, DataType.FLOAT, ['N', h0]);
  const i = body.op('Gather', [g.int64s(order), iter], { axis: attr.int(0) }, `flow${k}.dim`);
  let mu: string;
  let alpha: string;
  if (stack.length === 1) {
    // No hidden layer: `pre` is the output pre-activation [N, 2D] itself.
    mu = body.op('Gather', [preIn, i], { axis: attr.int(1) }, `flow${k}.mu`);
    alpha = body.op('Gather', [preIn, body.op('Add', [i, g.int64Scalar(d)], {}, `flow${k}.alpha_col`)], { axis: attr.int(1) }, `flow${k}.alpha`);
  } else {
    const bctx: LowerContext = { ...ctx, g: body };
    const h = lowerStack(bctx, stack.slice(1, -1), { layout: 'vec', name: preIn, features: h0 });
    if (h.layout !== 'vec' || h.features !== hl || h.perm) throw new ExportError(`model "${ctx.model}": MADE of flow ${k}: hidden layers must give [N, ${hl}]`);
    // Output kernel [H, 2D] as pairs [D, 2, H] and bias [2D] as [D, 2]: one Gather each per step.
    const wOut = maskedKernel(ctx, last);
    const bOut = getWeight(ctx, `${last.name}.bias`, [2 * d]).data;
    const pairs = new Float32Array(d * 2 * hl);
    const biasPairs = new Float32Array(d * 2);
    for (let c = 0; c < d; c++) {
      for (let j = 0; j < hl; j++) {
        pairs[(c * 2) * hl + j] = wOut[j * 2 * d + c];
        pairs[(c * 2 + 1) * hl + j] = wOut[j * 2 * d + d + c];
      }
      biasPairs[c * 2] = bOut[c];
      biasPairs[c * 2 + 1] = bOut[d + c];
    }
    const W = g.weight(`${ctx.prefix}${last.name}.kernel_pairs`, pairs, [d, 2, hl]);
    const B = g.weight(`${ctx.prefix}${last.name}.bias_pairs`, biasPairs, [d, 2]);
    const w = body.op('Gather', [W, i], { axis: attr.int(0) }, `flow${k}.out_pair`);
    const b = body.op('Gather', [B, i], { axis: attr.int(0) }, `flow${k}.bias_pair`);
    const out = body.op('Gemm', [h.name, w, b], { transB: attr.int(1) }, `flow${k}.mu_alpha`);
    mu = body.op('Gather', [out, g.int64Scalar(0)], { axis: attr.int(1) }, `flow${k}.mu`);
    alpha = body.op('Gather', [out, g.int64Scalar(1)], { axis: attr.int(1) }, `flow${k}.alpha`);
  }
  const bodyCtx: LowerContext = { ...ctx, g: body };
  alpha = boundLogScaleNode(bodyCtx, made, alpha, 1, `flow${k}`);
  const zi = body.op('Gather', [z, i], { axis: attr.int(1) }, `flow${k}.z_i`);
  const xi = body.op('Add', [mu, body.op('Mul', [zi, body.op('Exp', [alpha], {}, `flow${k}.scale`)], {}, `flow${k}.zs`)], {}, `flow${k}.x_i`);
  const row = body.op('Gather', [w0, i], { axis: attr.int(0) }, `flow${k}.w0_row`);
  // The network reads c(x_i) (made.ts conditionerInput); the output keeps x_i itself.
  const ci = conditionerInputNode(bodyCtx, made, xi, 1, `flow${k}.step`);
  const term = body.op('Mul', [body.op('Unsqueeze', [ci, g.int64s([1])], {}, `flow${k}.x_i_col`), row], {}, `flow${k}.rank1`);
  const preOut = body.op('Add', [preIn, term], {}, `flow${k}.pre_out`);
  // A body output may not be a body input itself: pass the condition through an Identity.
  body.outputValue(body.op('Identity', [condIn], {}, `flow${k}.cond_out`), DataType.BOOL, []);
  body.outputValue(preOut, DataType.FLOAT, ['N', h0]);
  body.outputValue(body.op('Identity', [xi], {}, `flow${k}.x_i_out`), DataType.FLOAT, ['N']);
  // With no dimension set, `pre` is x0 . W0m + b0 for x0 = 0: the first layer's bias on every row.
  const x0 = g.op('ConstantOfShape', [g.op('Shape', [z], {}, `flow${k}.shape`)], {}, `flow${k}.x0`);
  const pre0 = g.op('Gemm', [x0, w0, b0], {}, `flow${k}.pre0`);
  // Trip count D; no condition input (the empty name), so the loop always runs D times.
  const [, byDegree] = g.opN('Loop', [g.int64Scalar(d), '', pre0], 2, { body: attr.graph(body.toGraph()) }, `flow${k}.loop`);
  // [D, N] in degree order -> [N, D] by dimension: column i is row degrees[i].
  return rowsToColumns(g, gatherRows(g, byDegree, made.degrees, `flow${k}.x_by_dim`), `flow${k}.x`);
}

export function mafSampleGraph(def: MafDefinition, weights: WeightMap, model: string): BuiltGraph {
  checkDefinition(def, model);
  const d = def.inputSize;
  const g = new GraphBuilder(`${model}.sample`);
  const ctx: LowerContext = { g, weights, model, prefix: '' };
  let h = g.input('z', DataType.FLOAT, ['N', d]);
  for (let k = def.flows.length - 1; k >= 0; k--) {
    const flow = def.flows[k];
    const zk = gatherColumns(g, h, invertPermutation(flow.permutation), `flow${k}.unpermuted`);
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
