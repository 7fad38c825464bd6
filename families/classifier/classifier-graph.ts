/**
 * Fashion-MNIST classifier: x [N, 1, 28, 28] (pixels in [-1, 1]) -> logits [N, K] and features [N, F], the
 * penultimate layer (eval's FID / KID feature space). One graph, two outputs: the trunk is lowered once and both
 * the feature output and the head read it.
 */
import { ClassifierDefinition } from './classifier';
import { GraphBuilder } from '../../export/onnx/graph-builder';
import { lowerStack, stackInput, stackOutput } from '../../export/lower/stack';
import { WeightMap } from '../../export/lower/types';
import { BuiltGraph } from '../../export/graphs/built-graph';

export function classifierGraph(def: ClassifierDefinition, weights: WeightMap, model: string): BuiltGraph {
  const g = new GraphBuilder(`${model}.classifier`);
  const ctx = { g, weights, model, prefix: '' };
  const [h, w, c] = def.imageShape;
  const x = stackInput(ctx, 'x', [h, w, c]);
  const phi = lowerStack(ctx, def.trunk, x);
  const logits = lowerStack(ctx, def.head, phi);
  const logitsShape = stackOutput(ctx, 'logits', logits);
  const featuresShape = stackOutput(ctx, 'features', phi);
  return {
    role: 'classifier',
    graph: g,
    inputs: [{ name: 'x', dtype: 'float32', shape: ['N', c, h, w], description: 'image NCHW, pixels in [-1, 1] (x / 127.5 - 1)' }],
    outputs: [
      { name: 'logits', dtype: 'float32', shape: logitsShape, description: `class logits (no softmax), classes 0..${def.config.numClasses - 1}` },
      { name: 'features', dtype: 'float32', shape: featuresShape, description: 'penultimate-layer features (after batch norm and ReLU): the FID/KID feature space' },
    ],
  };
}
