/**
 * GAN discriminator: x [N, 1, 28, 28] (and label [N] int64 for the conditional heads) -> logit [N] (no sigmoid).
 * The head is lowered from its one definition, gan-nets.ts headTerms (the terms applyHead sums in tfjs): a stack term
 * (dense out, Miyato's psi) squeezed to [N]; a stack read at the label (projection: (phi A^T + b)[label], a
 * GatherElements); an embedding dot (Miyato: <embed[label], phi>, a Gather of embedding rows and a ReduceSum).
 */
import { GanDefinition, headTerms, termNeedsLabel } from '../../training/nets/gan-nets';
import { GraphBuilder, attr } from '../onnx/graph-builder';
import { DataType } from '../onnx/proto';
import { embeddingOp } from '../lower/embedding';
import { lowerStack, stackInput } from '../lower/stack';
import { LowerContext, Value, WeightMap, getWeight } from '../lower/types';
import { BuiltGraph, TensorDesc } from './built-graph';

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
  const terms = headTerms(d.head);
  if (!label && terms.some(termNeedsLabel)) throw new Error(`model "${model}": head ${d.head.kind} needs labels but the definition has none`);
  const idx = label && terms.some((t) => t.kind === 'stackAtLabel') ? g.op('Unsqueeze', [label, g.int64s([1])], {}, 'label_col') : undefined;
  // gan-nets.ts headTerms, lowered term by term and summed in the same order as applyHead.
  const lowered = terms.map((t): string => {
    if (t.kind === 'stack') return squeezeLast(ctx, lowerStack(ctx, t.stack, phi).name, terms.length === 1 ? 'logit_flat' : 'psi');
    if (t.kind === 'stackAtLabel') return squeezeLast(ctx, g.op('GatherElements', [lowerStack(ctx, t.stack, phi).name, idx!], { axis: attr.int(1) }, 'projection'), 'logit_flat');
    const [k, f] = t.embedding.shape;
    let table = getWeight(ctx, t.embedding.name, [k, f]).data;
    if (phi.perm) {
      // phi is stored with permuted features: permute the embedding columns alike so the dot product is unchanged.
      const perm = phi.perm;
      const p = new Float32Array(k * f);
      for (let r = 0; r < k; r++) for (let j = 0; j < f; j++) p[r * f + j] = table[r * f + perm[j]];
      table = p;
    }
    const e = embeddingOp(g, g.weight(t.embedding.name, table, [k, f]), label!, 'embed');
    return g.op('ReduceSum', [g.op('Mul', [e, phi.name], {}, 'embed_phi'), g.int64s([1])], { keepdims: attr.int(0) }, 'class_term');
  });
  const logit = lowered.reduce((a, b) => g.op('Add', [a, b], {}, 'logit_sum'));
  g.output('logit', logit, DataType.FLOAT, ['N']);
  return { role: 'discriminator', graph: g, inputs, outputs: [{ name: 'logit', dtype: 'float32', shape: ['N'], description: 'real/fake logit (no sigmoid)' }] };
}
