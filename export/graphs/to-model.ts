/** A built graph as a ModelProto / bytes (metadata added by the caller: the model card, see card.ts). */
import { buildModel, modelBytes } from '../onnx/model';
import { ModelProto } from '../onnx/proto';
import { BuiltGraph } from './built-graph';

export function builtToModel(b: BuiltGraph, metadata: Record<string, string> = {}): ModelProto {
  return buildModel(b.graph, metadata);
}

export function builtToBytes(b: BuiltGraph, metadata: Record<string, string> = {}): Uint8Array {
  return modelBytes(builtToModel(b, metadata));
}
