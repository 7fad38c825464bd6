/**
 * A loaded tfjs-layers model -> one ONNX graph: walks the model's symbolic tensors from its outputs back to its
 * inputs (functional and Sequential models, several inputs and outputs, shared layers, models nested as layers),
 * lowering each layer call once with export/lower/tfjs-layers. Graph inputs and outputs keep tfjs's shapes and
 * channels-last order; only the values inside the graph change order.
 */
import type * as tfl from '@tensorflow/tfjs';
import { Dim, GraphBuilder } from '../onnx/graph-builder';
import { IR_VERSION, ModelProto, encodeModel } from '../onnx/proto';
import { PRODUCER } from '../onnx/model';
import { layerLoweringFor } from '../lower/tfjs-layers/registry';
import { ConvertContext, ConvertError, ElemType, LayerLike, LayerWeight, TValue, identityPerm, layerWhere, onnxType, storedDims, tfOrder } from '../lower/tfjs-layers/types';

type SymbolicTensor = tfl.SymbolicTensor;
type Layer = tfl.layers.Layer;

export interface GraphOptions {
  opset: number;
  /** 'N' (or any name): a symbolic batch; a number: that fixed batch. */
  batch: Dim;
  inputNames?: string[];
  outputNames?: string[];
}

export interface TensorInfo {
  name: string;
  dtype: ElemType;
  /** tfjs shape with the batch first (the ONNX shape: the interface is channels-last, as tfjs). */
  shape: Dim[];
}

export interface BuiltOnnx {
  bytes: Uint8Array;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  /** Layer calls per class name (nested models counted by their layers). */
  layerCalls: Record<string, number>;
  nodes: number;
  transposes: number;
}

export const MIN_OPSET = 13;
export const MAX_OPSET = 17;

/** Weights stored once even when a shared layer is lowered at every call (same name hint, same bytes). */
class DedupGraph extends GraphBuilder {
  private readonly byHint = new Map<string, { data: Float32Array; dims: number[]; name: string }[]>();

  override weight(hint: string, data: Float32Array, dims: number[]): string {
    const seen = this.byHint.get(hint) ?? [];
    const same = seen.find((s) => s.dims.length === dims.length && s.dims.every((d, i) => d === dims[i]) && Buffer.compare(Buffer.from(s.data.buffer, s.data.byteOffset, s.data.byteLength), Buffer.from(data.buffer, data.byteOffset, data.byteLength)) === 0);
    if (same) return same.name;
    const name = super.weight(hint, data, dims);
    seen.push({ data, dims, name });
    this.byHint.set(hint, seen);
    return name;
  }
}

function isContainer(layer: Layer): layer is Layer & { inputs: SymbolicTensor[]; outputs: SymbolicTensor[]; layers: Layer[] } {
  const l = layer as unknown as { inputs?: unknown; outputs?: unknown; layers?: unknown };
  return Array.isArray(l.layers) && Array.isArray(l.inputs) && Array.isArray(l.outputs);
}

function elemType(st: SymbolicTensor, what: string): ElemType {
  if (st.dtype === 'float32' || st.dtype === 'int32') return st.dtype;
  throw new ConvertError(`${what} has dtype ${st.dtype}; supported: float32, int32`);
}

function layerWeights(layer: Layer): Map<string, LayerWeight> {
  const vars = layer.weights;
  const values = layer.getWeights();
  const out = new Map<string, LayerWeight>();
  vars.forEach((v, i) => {
    const full = (v as unknown as { originalName?: string }).originalName ?? v.name;
    const key = full.split('/').pop()!.replace(/_\d+$/, '');
    if (out.has(key)) throw new ConvertError(`${layerWhere(layer)}: two weights named ${key}`);
    out.set(key, { shape: [...values[i].shape], data: Float32Array.from(values[i].dataSync() as Float32Array) });
  });
  return out;
}

function batchOf(st: SymbolicTensor, batch: Dim, what: string): Dim {
  const b = st.shape[0];
  if (b === null || b === undefined) return batch;
  if (typeof batch === 'number' && batch !== b) throw new ConvertError(`${what} has a fixed batch of ${b} in the model; --batch ${batch} differs`);
  return b;
}

/** Unique interface names: the given ones, or tfjs's (inputNames / outputNames), with a suffix where tfjs repeats one. */
function interfaceNames(given: string[] | undefined, fallback: string[], what: 'input' | 'output'): string[] {
  if (given) {
    if (given.length !== fallback.length) throw new ConvertError(`${what} names: the model has ${fallback.length} ${what}s (${fallback.join(', ')}), ${given.length} names were given (${given.join(', ')})`);
    if (new Set(given).size !== given.length) throw new ConvertError(`${what} names must be unique, got ${given.join(', ')}`);
    given.forEach((n) => {
      if (!/^[A-Za-z_][A-Za-z0-9_.:\/-]*$/.test(n)) throw new ConvertError(`${what} name ${JSON.stringify(n)}: use letters, digits and _ . : / -`);
    });
    return given;
  }
  const seen = new Map<string, number>();
  return fallback.map((n) => {
    const k = seen.get(n) ?? 0;
    seen.set(n, k + 1);
    return k === 0 ? n : `${n}_${k}`;
  });
}

/** tfjs's own names (a Sequential leaves its lists empty: the layers' names then). */
function namesOr(names: string[] | undefined, tensors: SymbolicTensor[]): string[] {
  return names && names.length === tensors.length && names.every((n) => typeof n === 'string') ? names : tensors.map((t) => t.sourceLayer.name);
}

export function buildOnnx(model: tfl.LayersModel, options: GraphOptions): BuiltOnnx {
  if (!Number.isInteger(options.opset) || options.opset < MIN_OPSET || options.opset > MAX_OPSET) {
    throw new ConvertError(`opset ${options.opset} is not supported (supported: ${MIN_OPSET} to ${MAX_OPSET}; the reference checker, python3-onnx 1.12, knows opsets up to 17)`);
  }
  if (typeof options.batch === 'number' && (!Number.isInteger(options.batch) || options.batch < 1)) throw new ConvertError(`batch ${options.batch}: expected a positive integer or a symbol such as N`);
  const g = new DedupGraph(model.name || 'model');
  const inNames = interfaceNames(options.inputNames, namesOr(model.inputNames, model.inputs), 'input');
  const outNames = interfaceNames(options.outputNames, namesOr(model.outputNames, model.outputs), 'output');
  const clash = outNames.filter((n) => inNames.includes(n));
  if (clash.length) throw new ConvertError(`output name${clash.length > 1 ? 's' : ''} ${clash.join(', ')} also name${clash.length > 1 ? '' : 's'} an input; give --input-names / --output-names`);
  outNames.forEach((n) => g.reserve(n));
  const weightCache = new Map<Layer, Map<string, LayerWeight>>();
  const ctx: ConvertContext = {
    g,
    opset: options.opset,
    batch: options.batch,
    moved: new Map(),
    weights: (layer: LayerLike) => {
      const l = layer as Layer;
      let w = weightCache.get(l);
      if (!w) weightCache.set(l, (w = layerWeights(l)));
      return w;
    },
  };
  const layerCalls: Record<string, number> = {};
  const calls = new Map<Layer, Map<string, TValue[]>>();

  const inputs: TensorInfo[] = [];
  const env = new Map<number, TValue>();
  model.inputs.forEach((st, i) => {
    const what = `input "${inNames[i]}"`;
    const dtype = elemType(st, what);
    const dims = st.shape.slice(1);
    if (dims.some((d) => d === null || d === undefined)) {
      throw new ConvertError(`${what} has shape [${st.shape.map((d) => (d === null ? 'null' : d))}]: every axis but the batch must be known (build the model with a full inputShape)`);
    }
    const batch = batchOf(st, options.batch, what);
    const shape = [batch, ...(dims as number[])];
    const name = g.input(inNames[i], onnxType(dtype), shape);
    env.set(st.id, { name, shape: dims as number[], perm: identityPerm(shape.length), dtype });
    inputs.push({ name, dtype, shape });
  });

  const evaluate = (st: SymbolicTensor, scope: Map<number, TValue>): TValue => {
    const hit = scope.get(st.id);
    if (hit) return hit;
    const layer = st.sourceLayer;
    if (layer.getClassName() === 'InputLayer') throw new ConvertError(`InputLayer "${layer.name}" is not one of the model's inputs`);
    const args = st.inputs.map((i) => evaluate(i, scope));
    const key = args.map((a) => a.name).join('|');
    let byArgs = calls.get(layer);
    if (!byArgs) calls.set(layer, (byArgs = new Map()));
    let outs = byArgs.get(key);
    if (!outs) {
      if (st.callArgs && Object.keys(st.callArgs).some((k) => k !== 'training' && st.callArgs[k] !== undefined)) {
        throw new ConvertError(`${layerWhere(layer)}: called with ${Object.keys(st.callArgs).join(', ')}; only plain calls are supported (no initialState, mask or constants)`);
      }
      if (isContainer(layer)) {
        if (layer.inputs.length !== args.length) throw new ConvertError(`${layerWhere(layer)}: nested model with ${layer.inputs.length} inputs called on ${args.length}`);
        const inner = new Map<number, TValue>();
        layer.inputs.forEach((t, i) => inner.set(t.id, args[i]));
        outs = layer.outputs.map((t) => evaluate(t, inner));
      } else {
        layerCalls[layer.getClassName()] = (layerCalls[layer.getClassName()] ?? 0) + 1;
        outs = layerLoweringFor(layer)(ctx, layer, args);
      }
      byArgs.set(key, outs);
    }
    const v = outs[st.outputTensorIndex ?? 0];
    if (!v) throw new ConvertError(`${layerWhere(layer)}: output ${st.outputTensorIndex} was not produced`);
    const want = st.shape.slice(1);
    if (want.length !== v.shape.length || want.some((d, i) => d !== null && d !== v.shape[i])) {
      throw new ConvertError(`${layerWhere(layer)}: converted output has shape [N, ${v.shape}], tfjs says [${st.shape.map((d) => (d === null ? 'N' : d))}] (internal error)`);
    }
    scope.set(st.id, v);
    return v;
  };

  const outputs: TensorInfo[] = model.outputs.map((st, i) => {
    const v = tfOrder(ctx, evaluate(st, env));
    const dims = storedDims(ctx, v);
    g.output(outNames[i], v.name, onnxType(v.dtype), dims);
    return { name: outNames[i], dtype: v.dtype, shape: dims };
  });

  const graph = g.toGraph();
  const proto: ModelProto = {
    ir_version: IR_VERSION,
    opset_import: [{ domain: '', version: options.opset }],
    producer_name: PRODUCER,
    producer_version: '1',
    graph,
    metadata_props: [{ key: 'dgm.source', value: 'tfjs-layers LayersModel (dgm convert)' }],
  };
  return {
    bytes: encodeModel(proto),
    inputs,
    outputs,
    layerCalls,
    nodes: graph.node.length,
    transposes: graph.node.filter((n) => n.op_type === 'Transpose').length,
  };
}
