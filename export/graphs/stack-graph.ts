/** A single stack as a whole model: input -> stack -> output. The unit every layer lowering is tested through. */
import { Stack } from '../../training/nets/layers';
import { Dim, GraphBuilder } from '../onnx/graph-builder';
import { buildModel } from '../onnx/model';
import { ModelProto } from '../onnx/proto';
import { lowerStack, stackInput, stackOutput } from '../lower/stack';
import { WeightMap } from '../lower/types';

export interface StackGraphSpec {
  model: string;
  stack: Stack;
  weights: WeightMap;
  /** tfjs input shape per example: [F] or [H, W, C]. */
  inputShape: number[];
  inputName?: string;
  outputName?: string;
  metadata?: Record<string, string>;
}

export function stackGraph(spec: StackGraphSpec): { model: ModelProto; outputShape: Dim[] } {
  const g = new GraphBuilder(spec.model);
  const ctx = { g, weights: spec.weights, model: spec.model, prefix: '' };
  const x = stackInput(ctx, spec.inputName ?? 'x', spec.inputShape);
  const y = lowerStack(ctx, spec.stack, x);
  const outputShape = stackOutput(ctx, spec.outputName ?? 'y', y);
  return { model: buildModel(g, spec.metadata ?? {}), outputShape };
}
