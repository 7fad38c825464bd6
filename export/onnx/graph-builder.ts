/**
 * A small builder for ONNX graphs: typed inputs/outputs, nodes with attributes, weights as initializers, and
 * subgraphs (Loop bodies) that share one name space with their parent so no name is ever shadowed.
 *
 * Every weight and constant, even one used only inside a Loop body, is an initializer of the outermost graph:
 * subgraphs read it from the outer scope, so a body that runs D times still stores its weights once.
 */
import { AttrType, AttributeProto, DataType, DataTypeCode, DimProto, GraphProto, NodeProto, TensorProto, ValueInfoProto } from './proto';

/** A dimension: a fixed size, or a symbol (e.g. 'N' for the dynamic batch). */
export type Dim = number | string;

export type Attr =
  | { type: 'int'; value: number }
  | { type: 'float'; value: number }
  | { type: 'ints'; value: number[] }
  | { type: 'floats'; value: number[] }
  | { type: 'string'; value: string }
  | { type: 'strings'; value: string[] }
  | { type: 'graph'; value: GraphProto };

export const attr = {
  int: (value: number): Attr => {
    if (!Number.isInteger(value)) throw new Error(`internal error: int attribute ${value} is not an integer`);
    return { type: 'int', value };
  },
  float: (value: number): Attr => ({ type: 'float', value }),
  ints: (value: number[]): Attr => ({ type: 'ints', value }),
  floats: (value: number[]): Attr => ({ type: 'floats', value }),
  string: (value: string): Attr => ({ type: 'string', value }),
  strings: (value: string[]): Attr => ({ type: 'strings', value }),
  graph: (value: GraphProto): Attr => ({ type: 'graph', value }),
};

function attributeProto(name: string, a: Attr): AttributeProto {
  switch (a.type) {
    case 'int':
      return { name, type: AttrType.INT, i: a.value };
    case 'float':
      return { name, type: AttrType.FLOAT, f: a.value };
    case 'ints':
      return { name, type: AttrType.INTS, ints: a.value };
    case 'floats':
      return { name, type: AttrType.FLOATS, floats: a.value };
    case 'string':
      return { name, type: AttrType.STRING, s: new TextEncoder().encode(a.value) };
    case 'strings':
      return { name, type: AttrType.STRINGS, strings: a.value.map((v) => new TextEncoder().encode(v)) };
    case 'graph':
      return { name, type: AttrType.GRAPH, g: a.value };
  }
}

export function valueInfo(name: string, elemType: DataTypeCode, shape: Dim[]): ValueInfoProto {
  const dim: DimProto[] = shape.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d }));
  return { name, type: { tensor_type: { elem_type: elemType, shape: { dim } } } };
}

function littleEndianBytes(data: Float32Array | Float64Array | BigInt64Array): Uint8Array {
  // Typed arrays are host-endian; ONNX raw_data is little-endian. Every platform Node runs on here is little-endian,
  // but say so loudly rather than write a wrong file on a big-endian one.
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('ONNX export needs a little-endian host');
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
}

export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly initializers: TensorProto[];
  private readonly names: Set<string>;
  private readonly reserved: Set<string>;
  private readonly constCache: Map<string, string>;
  private readonly parent?: GraphBuilder;

  constructor(readonly name: string, parent?: GraphBuilder) {
    this.parent = parent;
    this.names = parent ? parent.names : new Set();
    this.reserved = parent ? parent.reserved : new Set();
    this.initializers = parent ? parent.initializers : [];
    this.constCache = parent ? parent.constCache : new Map();
  }

  /** A builder for a subgraph (e.g. a Loop body) whose names and weights live in this graph's model. */
  subgraph(name: string): GraphBuilder {
    return new GraphBuilder(name, this);
  }

  /** A name not used anywhere in the model, derived from `hint`. */
  unique(hint: string): string {
    const base = hint.replace(/[^A-Za-z0-9_.\/:-]/g, '_') || 'v';
    let name = base;
    for (let i = 1; this.names.has(name) || this.reserved.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }

  /** Keeps `name` for a later input() or output(): unique() never hands it out (interface names chosen up front). */
  reserve(name: string): void {
    this.reserved.add(name);
  }

  /** A graph input named exactly `name` (public interface names must not be renamed). */
  input(name: string, elemType: DataTypeCode, shape: Dim[]): string {
    if (this.names.has(name)) throw new Error(`internal error: graph input name ${name} is already used`);
    this.names.add(name);
    this.inputs.push(valueInfo(name, elemType, shape));
    return name;
  }

  /** A graph input with a fresh name derived from `hint` (Loop body inputs, which nobody feeds by name). */
  freshInput(hint: string, elemType: DataTypeCode, shape: Dim[]): string {
    const name = this.unique(hint);
    this.inputs.push(valueInfo(name, elemType, shape));
    return name;
  }

  /** Declares `value` as the graph output `name` (an Identity node renames it when the two differ). */
  output(name: string, value: string, elemType: DataTypeCode, shape: Dim[]): void {
    if (value !== name) {
      if (this.names.has(name)) throw new Error(`internal error: graph output name ${name} is already used`);
      this.names.add(name);
      this.nodes.push({ name: this.unique(`${name}/Identity`), op_type: 'Identity', input: [value], output: [name], attribute: [] });
    }
    this.outputs.push(valueInfo(name, elemType, shape));
  }

  /** Declares `value` itself as an output (Loop body outputs, matched by position, not name). */
  outputValue(value: string, elemType: DataTypeCode, shape: Dim[]): void {
    if (this.outputs.some((o) => o.name === value)) throw new Error(`internal error: ${value} is already an output`);
    this.outputs.push(valueInfo(value, elemType, shape));
  }

  /** A float32 weight (an initializer of the outermost graph). */
  weight(hint: string, data: Float32Array, dims: number[]): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== data.length) throw new Error(`internal error: weight ${hint} has ${data.length} values for shape [${dims}]`);
    const name = this.unique(hint);
    this.initializers.push({ name, dims, data_type: DataType.FLOAT, raw_data: littleEndianBytes(data) });
    return name;
  }

  /** A small constant, shared by content across the model (shapes, axes, indices). */
  private constant(kind: 'i64' | 'f32' | 'f64', values: number[], dims: number[]): string {
    const key = `${kind}[${dims}]:${values.join(',')}`;
    const hit = this.constCache.get(key);
    if (hit) return hit;
    const name = this.unique(`const_${kind}_${values.length <= 4 ? values.join('_').replace(/-/g, 'm') : values.length}`);
    const data = kind === 'i64' ? BigInt64Array.from(values.map((v) => BigInt(v))) : kind === 'f64' ? Float64Array.from(values) : Float32Array.from(values);
    const dataType = kind === 'i64' ? DataType.INT64 : kind === 'f64' ? DataType.DOUBLE : DataType.FLOAT;
    this.initializers.push({ name, dims, data_type: dataType, raw_data: littleEndianBytes(data) });
    this.constCache.set(key, name);
    return name;
  }

  int64s(values: number[], dims: number[] = [values.length]): string {
    values.forEach((v) => {
      if (!Number.isSafeInteger(v)) throw new Error(`internal error: int64 constant ${v} is not a safe integer`);
    });
    return this.constant('i64', values, dims);
  }

  int64Scalar(value: number): string {
    return this.int64s([value], []);
  }

  floats(values: number[], dims: number[] = [values.length]): string {
    return this.constant('f32', values, dims);
  }

  floatScalar(value: number): string {
    return this.floats([value], []);
  }

  doubleScalar(value: number): string {
    return this.constant('f64', [value], []);
  }

  /** Adds a node with `nOutputs` fresh outputs and returns their names. */
  opN(opType: string, inputs: string[], nOutputs: number, attrs: Record<string, Attr> = {}, hint = opType): string[] {
    const nodeName = this.unique(`${hint}/${opType}`);
    const output = Array.from({ length: nOutputs }, (_, i) => this.unique(nOutputs === 1 ? `${hint}` : `${hint}:${i}`));
    const attribute = Object.entries(attrs).map(([k, a]) => attributeProto(k, a));
    this.nodes.push({ name: nodeName, op_type: opType, input: inputs, output, attribute });
    return output;
  }

  op(opType: string, inputs: string[], attrs: Record<string, Attr> = {}, hint = opType): string {
    return this.opN(opType, inputs, 1, attrs, hint)[0];
  }

  /** The graph (with the model's initializers when this is the outermost graph). */
  toGraph(docString?: string): GraphProto {
    const g: GraphProto = {
      name: this.name,
      node: [...this.nodes],
      initializer: this.parent ? [] : [...this.initializers],
      input: [...this.inputs],
      output: [...this.outputs],
    };
    if (docString) g.doc_string = docString;
    return g;
  }
}
