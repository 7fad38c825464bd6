/**
 * The ONNX protobuf schema, loaded once with protobufjs from the onnx.proto kept beside this file (field names kept
 * in the schema's snake_case so the objects below read like the ONNX IR spec). protobufjs does every byte of the
 * encoding; this module only names the message shapes the exporter builds.
 */
import * as protobuf from 'protobufjs';
import { onnxSchemaText } from './onnx-schema';

/** ONNX IR 8 is what opset 17 (ONNX 1.12) was released with; the Debian checker (onnx 1.12) accepts up to IR 8. */
export const IR_VERSION = 8;
export const OPSET = 17;

/** TensorProto.DataType values used by the exporter. */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7, BOOL: 9, FLOAT16: 10, DOUBLE: 11 } as const;
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

/** AttributeProto.AttributeType values. */
export const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

export interface TensorProto {
  name: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}

export interface AttributeProto {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
}

export interface NodeProto {
  name: string;
  op_type: string;
  input: string[];
  output: string[];
  attribute: AttributeProto[];
}

export type DimProto = { dim_value: number } | { dim_param: string };

export interface ValueInfoProto {
  name: string;
  type: { tensor_type: { elem_type: number; shape?: { dim: DimProto[] } } };
}

export interface GraphProto {
  name: string;
  node: NodeProto[];
  initializer: TensorProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  doc_string?: string;
}

export interface ModelProto {
  ir_version: number;
  opset_import: { domain: string; version: number }[];
  producer_name: string;
  producer_version: string;
  doc_string?: string;
  graph: GraphProto;
  metadata_props: { key: string; value: string }[];
}

let modelType: protobuf.Type | undefined;

function modelProtoType(): protobuf.Type {
  if (!modelType) {
    const root = protobuf.parse(onnxSchemaText(), { keepCase: true }).root;
    modelType = root.lookupType('onnx.ModelProto');
  }
  return modelType;
}

export function encodeModel(model: ModelProto): Uint8Array {
  const t = modelProtoType();
  const err = t.verify(model);
  if (err) throw new Error(`internal error: ONNX model does not fit the schema: ${err}`);
  return t.encode(t.fromObject(model)).finish();
}

/** Decodes a model into plain objects (int64 as numbers, bytes as Uint8Array): for tests and for reading metadata. */
export function decodeModel(bytes: Uint8Array): ModelProto {
  const t = modelProtoType();
  return t.toObject(t.decode(bytes), { longs: Number, arrays: true }) as ModelProto;
}
