/**
 * GAN generator: z [N, dimZ] (and label [N] int64 for the conditional model) -> image [N, 1, 28, 28] (NCHW; for one
 * channel the same bytes as tfjs's NHWC). The conditional input concat([z, oneHot(label)]) becomes a Gemm plus a
 * Gather of label rows (lower/label-dense.ts); the rest is the generator stack as lowered layer by layer.
 */
import { GanDefinition } from './gan-nets';
import { GraphBuilder } from '../../export/onnx/graph-builder';
import { DataType } from '../../export/onnx/proto';
import { lowerLabelConcatDense } from '../../export/lower/label-dense';
import { lowerStack, planStack, stackInput, stackOutput } from '../../export/lower/stack';
import { ExportError, WeightMap } from '../../export/lower/types';
import { BuiltGraph, TensorDesc } from '../../export/graphs/built-graph';

export function generatorGraph(def: GanDefinition, weights: WeightMap, model: string): BuiltGraph {
  const g = new GraphBuilder(`${model}.generator`);
  const ctx = { g, weights, model, prefix: '' };
  const gen = def.generator;
  const dimZ = def.config.dimZ;
  const z = stackInput(ctx, 'z', [dimZ]);
  const inputs: TensorDesc[] = [{ name: 'z', dtype: 'float32', shape: ['N', dimZ], description: 'latent noise, standard normal' }];
  let y;
  if (gen.labels.kind === 'concatOneHot') {
    const k = gen.labels.numClasses;
    const first = gen.stack[0];
    if (first?.kind !== 'dense') throw new ExportError(`model "${model}": a conditional generator must start with a dense layer, got ${first?.kind}`);
    const label = g.input('label', DataType.INT64, ['N']);
    inputs.push({ name: 'label', dtype: 'int64', shape: ['N'], description: `class index in 0..${k - 1}` });
    const h = lowerLabelConcatDense(ctx, first, planStack(gen.stack)[0].plan, z, label, k);
    y = lowerStack(ctx, gen.stack, h, 1);
  } else {
    y = lowerStack(ctx, gen.stack, z);
  }
  const shape = stackOutput(ctx, 'image', y);
  const range = def.config.outputTanh ? 'in [-1, 1] (tanh)' : 'trained toward [-1, 1] (no output squashing)';
  return { role: 'generator', graph: g, inputs, outputs: [{ name: 'image', dtype: 'float32', shape, description: `image NCHW, pixels ${range}` }] };
}
