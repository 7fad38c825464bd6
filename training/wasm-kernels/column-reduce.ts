/**
 * Sums over the leading axes of a tensor (its rows, when viewed as [rows, cols]): what every bias gradient and
 * every batch-norm statistic asks for. Upstream's wasm Sum and Mean move the reduced axes innermost with a Transpose
 * first (~15 ns an element here, the slowest kernel in a batch-norm layer); adding the rows in place is one
 * contiguous pass, in WebAssembly SIMD when the columns come in pairs (simd-column-sum.ts). The sums accumulate in
 * float64.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BackendWasm, dispose, heapF32, heapOffset, wasmMemoryOf } from './calls';
import { simdColumnSumFor } from './simd-column-sum';

/** [rows, cols] when `axis` names exactly the first k < rank axes of `shape`, else null. */
export function leadingAxes(shape: number[], axis: number | number[]): { rows: number; cols: number; k: number } | null {
  const axes = tf.util.parseAxisParam(axis, shape).slice().sort((a, b) => a - b);
  const k = axes.length;
  if (k === 0 || k >= shape.length || axes.some((a, i) => a !== i)) return null;
  const rows = shape.slice(0, k).reduce((a, b) => a * b, 1);
  const cols = shape.slice(k).reduce((a, b) => a * b, 1);
  return { rows, cols, k };
}

/** scale * (sum of the rows of x viewed as [rows, cols]), shaped like the reduction's output. */
export function columnSums(backend: BackendWasm, x: tf.TensorInfo, split: { rows: number; cols: number; k: number }, scale: number, keepDims: boolean): tf.TensorInfo {
  const { rows, cols, k } = split;
  const outShape = keepDims ? [...x.shape.map((d, i) => (i < k ? 1 : d))] : x.shape.slice(k);
  const out = backend.makeOutput(outShape, 'float32');
  const memory = wasmMemoryOf(backend);
  if (memory && cols % 2 === 0) {
    // Float64 accumulators in the heap: 2 floats a column, plus one for 8-byte alignment.
    const scratch = backend.makeOutput([2 * cols + 1], 'float32');
    const base = heapOffset(backend, scratch);
    const acc = base + (base % 8);
    const sums = new Float64Array(memory.buffer, acc, cols);
    sums.fill(0);
    simdColumnSumFor(memory)(heapOffset(backend, x), rows, acc, acc + 8 * cols);
    const dst = heapF32(backend, out);
    for (let c = 0; c < cols; c++) dst[c] = sums[c] * scale;
    dispose(backend, scratch);
    return out;
  }
  const src = heapF32(backend, x);
  const dst = heapF32(backend, out);
  const acc = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    for (let c = 0; c < cols; c++) acc[c] += src[off + c];
  }
  for (let c = 0; c < cols; c++) dst[c] = acc[c] * scale;
  return out;
}
