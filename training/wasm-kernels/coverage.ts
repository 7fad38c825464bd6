/**
 * Which kernels our models execute, and which of those the wasm backend lacks. The workloads (training/bench) run
 * one full training step each (forward, backward, second-order gradient of WGAN-GP, Adam) at tiny sizes under
 * tf.profile on the current backend, which records every kernel the engine dispatches.
 */
import * as tf from '@tensorflow/tfjs-core';
import { smallConvWorkload, Workload } from '../bench/workloads';
import { courseGanWorkload, generatorInferenceWorkload, wganGpWorkload } from '../../families/gan/gan-bench';
import { madeWorkload, mafWorkload } from '../../families/maf/maf-bench';

/** Tiny versions of every workload: same layers and ops as the real ones, sizes small enough for the cpu backend. */
export function coverageWorkloads(): (() => Workload)[] {
  return [
    () => smallConvWorkload({ batch: 2 }),
    () => courseGanWorkload({ batch: 2 }),
    () => wganGpWorkload({ batch: 2 }),
    () => generatorInferenceWorkload({ batch: 2 }),
    () => madeWorkload({ batch: 3, inputSize: 6, hidden: 8 }),
    () => madeWorkload({ batch: 3, inputSize: 6, hidden: 8, train: false }),
    () => mafWorkload({ batch: 3, inputSize: 4, hidden: 8 }),
  ];
}

/** The distinct kernel names one step of each workload dispatches on the current backend, sorted. (tf.profile also
 *  records gradient scopes such as 'unnamed scope': only names the backend has a kernel for are kept.) */
export async function kernelsUsed(workloads: (() => Workload)[] = coverageWorkloads()): Promise<string[]> {
  const backend = tf.getBackend();
  const names = new Set<string>();
  for (const make of workloads) {
    const w = make();
    try {
      const info = await tf.profile(() => w.step());
      for (const k of info.kernels) names.add(k.name);
    } finally {
      w.dispose();
    }
  }
  return [...names].filter((k) => tf.getKernel(k, backend)).sort();
}

/** Of `kernels`, those with no implementation registered for `backend`. */
export function unregistered(kernels: string[], backend: string): string[] {
  return kernels.filter((k) => !tf.getKernel(k, backend));
}
