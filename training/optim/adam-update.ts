/**
 * One Adam update of one variable as a single kernel, `DgmAdamUpdate`. tfjs' Adam runs eleven element-wise kernels
 * per variable, each a full pass over memory and, on wasm, single-threaded; for models whose parameters outnumber
 * the activations of a batch (a MAF on images, the GAN's dense layers) those passes were a large part of a step.
 * This kernel reads param, m, v and the gradient once and writes the three new tensors.
 *
 * On wasm the loop is WebAssembly SIMD over the backend's own memory (simd-adam.ts); on cpu, and for the last n mod 4
 * elements on wasm, plain JavaScript with every operation rounded to float32 (Math.fround of a double result of one
 * float32 operation equals the float32 operation). Both follow tf.train.adam's operation order, so results are
 * bit-identical to it (test/training/optim).
 *
 * With `weightDecay` > 0 the gradient first becomes g + wd*p (PyTorch Adam's coupled weight_decay): the same float32
 * result as differentiating a loss plus 0.5*wd*||p||^2, without the five element-wise passes per variable that
 * the penalty's forward and backward pass cost.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { wasmMemoryOf } from '../wasm-kernels/calls';
import { simdAdamDecayFor, simdAdamFor } from './simd-adam';

export const ADAM_UPDATE = 'DgmAdamUpdate';

export interface AdamUpdateAttrs {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** 1 - beta1^t and 1 - beta2^t, as float32 values (tfjs computes them in float32). */
  c1: number;
  c2: number;
  /** Coupled L2 weight decay (0 or absent: none). */
  weightDecay?: number;
}

const f = Math.fround;

/** The float32 scalars tf.train.adam multiplies by: tfjs makes each a float32 scalar tensor. */
function scalars(a: AdamUpdateAttrs) {
  return { b1: f(a.beta1), b2: f(a.beta2), ob1: f(1 - a.beta1), ob2: f(1 - a.beta2), c1: f(a.c1), c2: f(a.c2), eps: f(a.epsilon), negLr: f(-a.lr), wd: f(a.weightDecay ?? 0) };
}

/** The update over flat arrays from index `from`; outputs may not alias inputs. */
export function adamUpdateArrays(p: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array,
  pOut: Float32Array, mOut: Float32Array, vOut: Float32Array, a: AdamUpdateAttrs, from = 0): void {
  const { b1, b2, ob1, ob2, c1, c2, eps, negLr, wd } = scalars(a);
  for (let i = from; i < p.length; i++) {
    const gi = wd > 0 ? f(g[i] + f(p[i] * wd)) : g[i];
    const mi = f(f(m[i] * b1) + f(gi * ob1));
    const vi = f(f(v[i] * b2) + f(f(gi * gi) * ob2));
    mOut[i] = mi;
    vOut[i] = vi;
    const den = f(f(Math.sqrt(f(vi / c2))) + eps);
    pOut[i] = f(f(f(f(mi / c1) / den) * negLr) + p[i]);
  }
}

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  attrs: tf.NamedAttrMap;
}

function inputsOf(args: KernelArgs): [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo, tf.TensorInfo] {
  const names = ['param', 'm', 'v', 'grad'] as const;
  const ts = names.map((n) => {
    const t = args.inputs[n];
    if (!t) throw new Error(`${ADAM_UPDATE}: missing input '${n}'`);
    if (t.dtype !== 'float32') throw new Error(`${ADAM_UPDATE}: input '${n}' must be float32, got ${t.dtype}`);
    return t;
  });
  const size = tf.util.sizeFromShape(ts[0].shape);
  ts.forEach((t, i) => {
    if (tf.util.sizeFromShape(t.shape) !== size) throw new Error(`${ADAM_UPDATE}: input '${names[i]}' has shape [${t.shape}], expected [${ts[0].shape}]`);
  });
  return ts as [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo, tf.TensorInfo];
}

/** Whether the wasm kernel runs its SIMD loop on this backend (else all of it in JavaScript). */
export function wasmAdamUsesSimd(backend: BackendWasm): boolean {
  return wasmMemoryOf(backend) !== null;
}

function wasmAdamUpdate(args: KernelArgs & { backend: BackendWasm }): tf.TensorInfo[] {
  const { backend } = args;
  const [p, m, v, g] = inputsOf(args);
  const outs = [backend.makeOutput(p.shape, 'float32'), backend.makeOutput(p.shape, 'float32'), backend.makeOutput(p.shape, 'float32')];
  const n = tf.util.sizeFromShape(p.shape);
  const a = args.attrs as unknown as AdamUpdateAttrs;
  const memory = wasmMemoryOf(backend);
  let done = 0;
  if (memory) {
    const off = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId)!.memoryOffset;
    const s = scalars(a);
    const n4 = n - (n % 4);
    const update = s.wd > 0 ? simdAdamDecayFor(memory) : simdAdamFor(memory);
    update(off(p), off(m), off(v), off(g), off(outs[0]), off(outs[1]), off(outs[2]), n4 * 4, s.b1, s.b2, s.ob1, s.ob2, s.c1, s.c2, s.eps, s.negLr, s.wd);
    done = n4;
  }
  if (done < n) {
    // Views only after the last allocation: a growing heap detaches earlier views.
    const view = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
    adamUpdateArrays(view(p), view(m), view(v), view(g), view(outs[0]), view(outs[1]), view(outs[2]), a, done);
  }
  return outs;
}

interface CpuLike {
  data: { get(id: tf.DataId): { values: unknown } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

function cpuAdamUpdate(args: KernelArgs & { backend: CpuLike }): tf.TensorInfo[] {
  const { backend } = args;
  const [p, m, v, g] = inputsOf(args);
  const vals = (t: tf.TensorInfo) => backend.data.get(t.dataId).values as Float32Array;
  const n = tf.util.sizeFromShape(p.shape);
  const outs = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  adamUpdateArrays(vals(p), vals(m), vals(v), vals(g), outs[0], outs[1], outs[2], args.attrs as unknown as AdamUpdateAttrs);
  return outs.map((o) => backend.makeTensorInfo(p.shape, 'float32', o));
}

export const ADAM_UPDATE_BACKENDS = ['wasm', 'cpu'] as const;

/** Registers the kernel for wasm and cpu (idempotent). */
export function registerAdamUpdate(): void {
  if (!tf.getKernel(ADAM_UPDATE, 'wasm')) {
    tf.registerKernel({ kernelName: ADAM_UPDATE, backendName: 'wasm', kernelFunc: wasmAdamUpdate as unknown as tf.KernelFunc });
  }
  if (!tf.getKernel(ADAM_UPDATE, 'cpu')) {
    tf.registerKernel({ kernelName: ADAM_UPDATE, backendName: 'cpu', kernelFunc: cpuAdamUpdate as unknown as tf.KernelFunc });
  }
}
