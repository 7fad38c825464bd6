/**
 * Calling wasm kernels from inside another wasm kernel: our overrides are compositions of the backend's own fast
 * kernels (XNNPACK GEMM / convolution, Transpose), called directly on TensorInfos so that nothing is recorded on the
 * tape and intermediates are freed as soon as they are used.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type { BackendWasm };
export type Attrs = Record<string, unknown>;

/** The backend's own kernels that we replace, saved before we replace them (see registerWasmKernels). */
const upstream = new Map<string, tf.KernelConfig>();

export function saveUpstream(config: tf.KernelConfig): void {
  if (!upstream.has(config.kernelName)) upstream.set(config.kernelName, config);
}

export function upstreamKernel(name: string): tf.KernelConfig {
  const k = upstream.get(name);
  if (!k) throw new Error(`wasm kernel ${name}: the upstream implementation was not saved`);
  return k;
}

/** Runs the currently registered wasm kernel `name` (ours if we replaced it). */
export function run(name: string, backend: BackendWasm, inputs: Record<string, tf.TensorInfo>, attrs: Attrs = {}): tf.TensorInfo {
  const k = tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`wasm kernel ${name} is not registered`);
  return k.kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap }) as tf.TensorInfo;
}

/** Runs the backend's own implementation of a kernel we replaced. */
export function runUpstream(name: string, backend: BackendWasm, inputs: Record<string, tf.TensorInfo>, attrs: Attrs = {}): tf.TensorInfo {
  return upstreamKernel(name).kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap }) as tf.TensorInfo;
}

export function transpose(backend: BackendWasm, x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
  return run(tf.Transpose, backend, { x }, { perm });
}

/** A view with another shape over the same data (wasm Reshape shares the buffer and counts a reference). */
export function reshape(backend: BackendWasm, x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return run(tf.Reshape, backend, { x }, { shape });
}

export function dispose(backend: BackendWasm, ...ts: tf.TensorInfo[]): void {
  for (const t of ts) backend.disposeData(t.dataId);
}

/** The float32 data of a tensor, as a view of the wasm heap. Take views only after the last allocation: a growing
 *  heap would leave earlier views short. */
export function heapF32(backend: BackendWasm, t: tf.TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(t) as Float32Array;
}

/** A kernel input by name, with a clear error if the caller left it out. */
export function input(kernel: string, inputs: tf.NamedTensorInfoMap, name: string): tf.TensorInfo {
  const t = inputs[name];
  if (!t) throw new Error(`wasm ${kernel}: missing input '${name}'`);
  return t;
}

interface WasmModuleInternals {
  wasmMemory?: WebAssembly.Memory;
  asm?: { memory?: WebAssembly.Memory };
}

/** The backend's WebAssembly.Memory, for our SIMD modules (wasm-simd/): emscripten keeps it as `wasmMemory` in the
 *  threaded build and exports it otherwise; null if neither is there. */
export function wasmMemoryOf(backend: BackendWasm): WebAssembly.Memory | null {
  const w = backend.wasm as unknown as WasmModuleInternals;
  return w.wasmMemory ?? w.asm?.memory ?? null;
}

/** Byte offset of a tensor's data in the wasm heap. */
export function heapOffset(backend: BackendWasm, t: tf.TensorInfo): number {
  return backend.dataIdMap.get(t.dataId)!.memoryOffset;
}
