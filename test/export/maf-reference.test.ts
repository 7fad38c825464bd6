/**
 * The references of export validation (families/maf/maf-reference.ts) against the flows owner's functions on the cpu
 * backend: the sampler gives exactly mafForward's samples and leaves no tensor behind; the float64-summed log_prob
 * matches mafLogProb to float32 summation noise at small D.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../../runtime/core/random';
import { MafConfig, initMafParams, mafDefinition, mafForward, mafLogProb } from '../../families/maf/maf';
import { mafLogProbReference, mafSampleReference } from '../../families/maf/maf-reference';
import { maxAbsDiff } from '../../export/ort';
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
    expect(tf.memory().numTensors).toBe(before); // nothing leaks: D = 784 runs thousands of passes
    expect(Array.from(got)).toEqual(Array.from(want));
  } finally {
    params.forEach((v) => v.dispose());
  }
});

test.each(CONFIGS.map((c) => [JSON.stringify(c), c] as const))('mafLogProbReference ~ mafLogProb for %s', (_name, cfg) => {
  const def = mafDefinition(cfg);
  const params = initMafParams(def, new Random(10));
  try {
    const n = 40;
    const x = randn(new Random(11), n * cfg.inputSize);
    const want = tf.tidy(() => mafLogProb(def, params, tf.tensor2d(x, [n, cfg.inputSize])).dataSync() as Float32Array);
    const got = mafLogProbReference(def, params, x, n, 16);
    expect(got.every(Number.isFinite)).toBe(true);
    expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(1e-5);
  } finally {
    params.forEach((v) => v.dispose());
  }
});
