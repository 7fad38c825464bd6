/**
 * The memory-bounded sampling reference used by export validation (export/maf-reference.ts) gives exactly what the
 * flows owner's mafForward gives, on the cpu backend, for several orderings and depths.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../../runtime/core/random';
import { MafConfig, initMafParams, mafDefinition, mafForward } from '../../training/nets/maf';
import { mafSampleReference } from '../../export/maf-reference';
import { randn, useCpu } from './helpers';

const CONFIGS: MafConfig[] = [
  { inputSize: 2, hiddenSize: 6, nHidden: 1, nFlows: 3 },
  { inputSize: 5, hiddenSize: 10, nHidden: 2, nFlows: 2, ordering: 'random', seed: 3 },
];

beforeAll(useCpu);

test.each(CONFIGS.map((c) => [JSON.stringify(c), c] as const))('mafSampleReference = mafForward for %s', (_name, cfg) => {
  const def = mafDefinition(cfg);
  const params = initMafParams(def, new Random(8));
  try {
    const n = 17;
    const z = randn(new Random(9), n * cfg.inputSize);
    // mafForward first: it also builds layers.ts's cached mask tensors, which outlive every call by design.
    const want = tf.tidy(() => mafForward(def, params, tf.tensor2d(z, [n, cfg.inputSize])).x.dataSync() as Float32Array);
    const before = tf.memory().numTensors;
    const got = mafSampleReference(def, params, z, n);
    expect(tf.memory().numTensors).toBe(before); // nothing leaks: the point of the per-pass tidy
    expect(Array.from(got)).toEqual(Array.from(want));
  } finally {
    params.forEach((v) => v.dispose());
  }
});
