/**
 * Weights stored as float16, computed in float32: each large float32 initializer of the finished graph (after batch
 * norms are folded and masks applied) is rounded to the nearest float16 and cast back to float32 by a Cast node at
 * the top of the graph, so the file is half the size and every operator still runs in float32 (onnxruntime folds
 * the casts into float32 constants when it creates the session).
 *
 * The float32 graph is what parity with tfjs checks; the float16 file is that graph with rounded weights, and what
 * the rounding does is measured against tfjs too (the card's `float16` checks) and, for the model's quality, by
 * `make eval`.
 */
import { Float16Array } from '@petamoriken/float16';
import { AttrType, DataType, GraphProto, NodeProto, TensorProto } from './proto';

/** Initializers smaller than this stay float32: shape constants, biases of tiny layers (nothing to gain). */
export const FLOAT16_MIN_SIZE = 64;

export const FLOAT16_MAX = 65504;

function floatsOf(t: TensorProto): Float32Array {
  const b = t.raw_data;
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** Rewrites a graph's float32 initializers of at least `minSize` values as float16 (nearest, ties to even) + Cast. */
export function storeWeightsAsFloat16(graph: GraphProto, minSize = FLOAT16_MIN_SIZE): { converted: number; bytesBefore: number; bytesAfter: number } {
  const casts: NodeProto[] = [];
  let bytesBefore = 0;
  let bytesAfter = 0;
  const taken = new Set(graph.initializer.map((t) => t.name));
  const initializer = graph.initializer.map((t) => {
    const size = t.dims.reduce((a, b) => a * b, 1);
    if (t.data_type !== DataType.FLOAT || size < minSize) return t;
    const values = floatsOf(t);
    for (let i = 0; i < values.length; i++) {
      if (Math.abs(values[i]) > FLOAT16_MAX) throw new Error(`weight ${t.name}: value ${values[i]} at index ${i} is beyond float16's range (+-${FLOAT16_MAX}); export it with float32 weights`);
    }
    const half = new Float16Array(values);
    let name = `${t.name}_f16`;
    for (let k = 2; taken.has(name); k++) name = `${t.name}_f16_${k}`;
    taken.add(name);
    casts.push({ name: `cast_${t.name}`, op_type: 'Cast', input: [name], output: [t.name], attribute: [{ name: 'to', type: AttrType.INT, i: DataType.FLOAT }] });
    bytesBefore += t.raw_data.byteLength;
    const raw = new Uint8Array(half.buffer as ArrayBuffer);
    bytesAfter += raw.byteLength;
    return { name, dims: t.dims, data_type: DataType.FLOAT16, raw_data: raw };
  });
  graph.initializer = initializer;
  graph.node = [...casts, ...graph.node];
  return { converted: casts.length, bytesBefore, bytesAfter };
}
