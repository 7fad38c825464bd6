/**
 * Where one training step spends its time, per kernel: tf.profile times every kernel the engine dispatches (on wasm,
 * a synchronous wall-clock time). Our wasm kernels call upstream's kernels directly, so their inner work is counted
 * under the outer kernel's name.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Workload } from './workloads';

export interface KernelTime {
  name: string;
  calls: number;
  ms: number;
}

/** Per-kernel totals of one step (run after the workload is warm), largest first, and the step's wall time. */
export async function profileStep(w: Workload): Promise<{ kernels: KernelTime[]; wallMs: number }> {
  const t0 = performance.now();
  const info = await tf.profile(() => w.step());
  const wallMs = performance.now() - t0;
  const byName = new Map<string, KernelTime>();
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const e = byName.get(k.name) ?? { name: k.name, calls: 0, ms: 0 };
    e.calls++;
    e.ms += ms;
    byName.set(k.name, e);
  }
  return { kernels: [...byName.values()].sort((a, b) => b.ms - a.ms), wallMs };
}
