/**
 * GAN discriminator: x [N, 1, 28, 28] (and label [N] int64 for the conditional heads) -> logit [N] (no sigmoid).
 * Heads: dense (out: F -> 1); projection (logit = (phi A^T + b)[label], a GatherElements); Miyato
 * (logit = psi(phi) + <embed[label], phi>, a Gather of embedding rows and a ReduceSum).
 */
import { GanDefinition } from './gan-nets';
import { GraphBuilder, attr } from '../../export/onnx/graph-builder';
import { DataType } from '../../export/onnx/proto';
import { lowerStack, stackInput } from '../../export/lower/stack';
import { LowerContext, Value, WeightMap, getWeight } from '../../export/lower/types';
import { BuiltGraph, TensorDesc } from '../../export/graphs/built-graph';

/** [N, 1] -> [N]. */
function squeezeLast(ctx: LowerContext, v: string, hint: string): string {
  return ctx.g.op('Reshape', [v, ctx.g.int64s([-1])], {}, hint);
}

export function discriminatorGraph(def: GanDefinition, weights: WeightMap, model: string): BuiltGraph {
  const g = new GraphBuilder(`${model}.discriminator`);
  const ctx: LowerContext = { g, weights, model, prefix: '' };
  const d = def.discriminator;
  const [h, w, c] = def.imageShape;
  const x = stackInput(ctx, 'x', [h, w, c]);
  const inputs: TensorDesc[] = [{ name: 'x', dtype: 'float32', shape: ['N', c, h, w], description: 'image NCHW, pixels in [-1, 1]' }];
  let label: string | undefined;
  if (d.labels.kind === 'concatOneHot') {
    label = g.input('label', DataType.INT64, ['N']);
    inputs.push({ name: 'label', dtype: 'int64', shape: ['N'], description: `class index in 0..${d.labels.numClasses - 1}` });
  }
  const phi = lowerStack(ctx, d.trunk, x) as Extract<Value, { layout: 'vec' }>;
  const head = d.head;
  let logit: string;
  if (head.kind === 'dense') {
    const out = lowerStack(ctx, [head.out], phi);
    logit = squeezeLast(ctx, out.name, 'logit_flat');
  } else {
    if (!label) throw new Error(`model "${model}": head ${head.kind} needs labels but the definition has none`);
    const idx = g.op('Unsqueeze', [label, g.int64s([1])], {}, 'label_col');
    if (head.kind === 'projection') {
      const scores = lowerStack(ctx, [head.proj], phi);
      logit = squeezeLast(ctx, g.op('GatherElements', [scores.name, idx], { axis: attr.int(1) }, 'projection'), 'logit_flat');
    } else {
      const psi = squeezeLast(ctx, lowerStack(ctx, [head.psi], phi).name, 'psi');
      const [k, f] = head.embedding.shape;
      let table = getWeight(ctx, head.embedding.name, [k, f]).data;
      if (phi.perm) {
        // phi is stored with permuted features: permute the embedding columns alike so the dot product is unchanged.
        const perm = phi.perm;
        const t = new Float32Array(k * f);
        for (let r = 0; r < k; r++) for (let j = 0; j < f; j++) t[r * f + j] = table[r * f + perm[j]];
        table = t;
      }
      const e = g.op('Gather', [g.weight(head.embedding.name, table, [k, f]), label], { axis: attr.int(0) }, 'embed');
      const dot = g.op('ReduceSum', [g.op('Mul', [e, phi.name], {}, 'embed_phi'), g.int64s([1])], { keepdims: attr.int(0) }, 'class_term');
      logit = g.op('Add', [psi, dot], {}, 'logit_sum');
    }
  }
  g.output('logit', logit, DataType.FLOAT, ['N']);
  return { role: 'discriminator', graph: g, inputs, outputs: [{ name: 'logit', dtype: 'float32', shape: ['N'], description: 'real/fake logit (no sigmoid)' }] };
}
