/**
 * Our kernels for the tfjs wasm backend, registered under upstream's kernel names for backend 'wasm' (replacing
 * upstream's where it has one: the replaced config's setupFunc is kept so upstream's code we still call is bound).
 */
import * as tf from '@tensorflow/tfjs-core';
import { saveUpstream } from './calls';
import { batchMatMulConfig } from './batch-mat-mul';
import { castConfig } from './cast';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input';
import { identityConfig } from './identity';
import { leakyReluConfig } from './leaky-relu';
import { meanConfig } from './mean';
import { reverseConfig } from './reverse';
import { sliceConfig } from './slice';
import { sumConfig } from './sum';
import { transposeConfig } from './transpose';

export const WASM_KERNELS: readonly tf.KernelConfig[] = [
  batchMatMulConfig,
  castConfig,
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  identityConfig,
  leakyReluConfig,
  meanConfig,
  reverseConfig,
  sliceConfig,
  sumConfig,
  transposeConfig,
];

const OURS = new WeakSet<tf.KernelFunc>(WASM_KERNELS.map((k) => k.kernelFunc));

/** Registers WASM_KERNELS (idempotent). Call before the wasm backend starts, so each setupFunc runs at its start. */
export function registerWasmKernels(): void {
  for (const k of WASM_KERNELS) {
    const prev = tf.getKernel(k.kernelName, 'wasm');
    if (prev && OURS.has(prev.kernelFunc)) continue;
    if (prev) {
      saveUpstream(prev);
      tf.unregisterKernel(k.kernelName, 'wasm');
    }
    tf.registerKernel({ ...k, setupFunc: prev?.setupFunc, disposeFunc: prev?.disposeFunc });
  }
}
