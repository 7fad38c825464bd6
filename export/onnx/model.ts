/** Wraps a built graph into an opset-17 ModelProto with string metadata, and encodes it. */
import { GraphBuilder } from './graph-builder';
import { IR_VERSION, ModelProto, OPSET, encodeModel } from './proto';

export const PRODUCER = 'dgm-export';

export function buildModel(graph: GraphBuilder, metadata: Record<string, string>, docString?: string): ModelProto {
  const model: ModelProto = {
    ir_version: IR_VERSION,
    opset_import: [{ domain: '', version: OPSET }],
    producer_name: PRODUCER,
    producer_version: '1',
    graph: graph.toGraph(),
    metadata_props: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  };
  if (docString) model.doc_string = docString;
  return model;
}

export function modelBytes(model: ModelProto): Uint8Array {
  return encodeModel(model);
}
