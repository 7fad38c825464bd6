/** A built graph as a ModelProto / bytes (metadata added by the caller: the model card, see card.ts). */
import { storeWeightsAsFloat16 } from '../onnx/float16';
import { buildModel, modelBytes } from '../onnx/model';
import { ModelProto } from '../onnx/proto';
import { BuiltGraph } from './built-graph';

export type WeightStorage = 'float32' | 'float16';

export function builtToModel(b: BuiltGraph, metadata: Record<string, string> = {}, weights: WeightStorage = 'float32'): ModelProto {
  const model = buildModel(b.graph, metadata);
  if (weights === 'float16') storeWeightsAsFloat16(model.graph);
  return model;
}

export function builtToBytes(b: BuiltGraph, metadata: Record<string, string> = {}, weights: WeightStorage = 'float32'): Uint8Array {
  return modelBytes(builtToModel(b, metadata, weights));
}
