/**
 * Our kernels for tfjs' webgpu backend, registered under upstream's kernel names for backend 'webgpu' (replacing
 * upstream's where it has one), each tested against the cpu backend (test/training/webgpu/).
 */
import * as tf from '@tensorflow/tfjs-core';
import { batchMatMulConfig, saveUpstreamBatchMatMul } from './batch-mat-mul';

export const WEBGPU_KERNELS: readonly tf.KernelConfig[] = [batchMatMulConfig];
const SAVE_UPSTREAM: Record<string, (k: tf.KernelConfig) => void> = { [tf.BatchMatMul]: saveUpstreamBatchMatMul };

const OURS = new WeakSet<tf.KernelFunc>(WEBGPU_KERNELS.map((k) => k.kernelFunc));

/** Registers WEBGPU_KERNELS (idempotent); tfjs-webgpu's own kernels must be registered first (it is required here). */
export function registerWebgpuKernels(): void {
  require('@tensorflow/tfjs-backend-webgpu');
  for (const k of WEBGPU_KERNELS) {
    const prev = tf.getKernel(k.kernelName, 'webgpu');
    if (prev && OURS.has(prev.kernelFunc)) continue;
    if (prev) {
      SAVE_UPSTREAM[k.kernelName]?.(prev);
      tf.unregisterKernel(k.kernelName, 'webgpu');
    }
    tf.registerKernel({ ...k, setupFunc: prev?.setupFunc, disposeFunc: prev?.disposeFunc });
  }
}
