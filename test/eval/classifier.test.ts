/**
 * @jest-environment ./test/export/ort-environment.js
 */
/**
 * The classifier end to end at a tiny size: exported through the export pipeline (parity checks included), read
 * back by eval's ClassifierModel with its feature-extractor id, and its logits/features against tfjs on the cpu
 * backend (the independent reference). Also the run's pure helpers: augmentation, learning-rate schedule, scoring.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../../runtime/core/random';
import { classifierDefinition, classify, initClassifierParams } from '../../families/classifier/classifier';
import { augmentBatch, cosineLr, scoreLogits } from '../../families/classifier/classifier-run';
import { exportModel } from '../../export/export-model';
import { classifierJob } from '../../families/classifier/classifier-job';
import { weightsFromParams } from '../../export/weights';
import { ClassifierModel } from '../../eval/classifier-model';
import { extractorIdentity } from '../../eval/extractor';
import { randomiseBatchNorms, tmpDir, useCpu } from '../export/helpers';

beforeAll(useCpu);

describe('classifier export and eval loading', () => {
  test('exported logits and features match tfjs; the card carries the extractor id eval reads', async () => {
    const def = classifierDefinition({ channels1: 3, channels2: 4, features: 8, convBatchNorm: true });
    const rng = new Random(21);
    const params = initClassifierParams(def, rng);
    randomiseBatchNorms(params, rng);
    const weights = weightsFromParams(params);
    const identity = extractorIdentity(def.config, [...weights].map(([name, w]) => ({ name, shape: w.shape, data: w.data })));
    const job = classifierJob({
      name: 'classifier', kind: 'classifier', def, params, weights,
      training: { run: 'test', checkpoint: 'test', step: 0, epoch: 0, config: { net: def.config }, metrics: {} },
      classNames: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'],
      featureExtractor: { ...identity, output: 'features', features: 8 },
      parityN: 50, reference: 'tfjs cpu',
    });
    const dir = path.join(tmpDir('classifier'), 'classifier');
    try {
      const res = await exportModel(job, dir, { checker: 'off', runtime: 'onnxruntime-node' });
      expect(res.card.family).toBe('classifier');
      expect(res.card.parity.checks.map((c) => c.output)).toEqual(['logits', 'features']);
      for (const c of res.card.parity.checks) expect(c.maxAbsError).toBeLessThanOrEqual(c.tolerance);

      const model = await ClassifierModel.load(dir, 1);
      expect(model.info.extractorId).toBe(identity.id);
      expect(model.info.features).toBe(8);
      const n = 7;
      const x = rng.fillUniform(new Float32Array(n * 784), -1, 1);
      const got = await model.run(x, n);
      await model.release();
      const want = tf.tidy(() => classify(def, params, tf.tensor4d(x, [n, 28, 28, 1]), { training: false }));
      const wl = want.logits.dataSync(), wf = want.features.dataSync();
      for (let i = 0; i < wl.length; i++) expect(Math.abs(got.logits[i] - wl[i])).toBeLessThan(1e-4);
      for (let i = 0; i < wf.length; i++) expect(Math.abs(got.features[i] - wf[i])).toBeLessThan(1e-4);
      tf.dispose([want.logits, want.features]);
    } finally {
      params.forEach((v) => v.dispose());
      fs.rmSync(path.dirname(dir), { recursive: true, force: true });
    }
  });

  test('loading something that is not an exported classifier is a clear error', async () => {
    await expect(ClassifierModel.load('/nonexistent/classifier')).rejects.toThrow(/does not exist: train and export it first/);
  });
});

describe('classifier run helpers', () => {
  test('augmentation: no flip and no shift is the identity; a shift moves pixels and fills with background', () => {
    const x = Float32Array.from({ length: 784 }, (_, i) => (i % 97) / 97);
    expect(augmentBatch(x, 1, { height: 28, width: 28 }, new Random(1), { flip: false, shift: 0 })).toEqual(x);
    // Replay the three draws the function makes per image to know each seed's flip and shift.
    for (let seed = 0; seed < 12; seed++) {
      const r = new Random(seed);
      const flip = r.uniform() < 0.5;
      const dy = r.int(5) - 2;
      const dx = r.int(5) - 2;
      const want = new Float32Array(784);
      for (let row = 0; row < 28; row++) {
        for (let col = 0; col < 28; col++) {
          const sr = row - dy, sc0 = col - dx;
          const inside = sr >= 0 && sr < 28 && sc0 >= 0 && sc0 < 28;
          want[row * 28 + col] = inside ? x[sr * 28 + (flip ? 27 - sc0 : sc0)] : -1;
        }
      }
      expect(augmentBatch(x, 1, { height: 28, width: 28 }, new Random(seed), { flip: true, shift: 2 })).toEqual(want);
    }
  });

  test('augmentation of a non-square image: a flip reverses each row of width w; a wrong size is refused', () => {
    const x = Float32Array.from({ length: 15 }, (_, i) => i); // [1, 3, 5]
    const mirrored = Float32Array.from([4, 3, 2, 1, 0, 9, 8, 7, 6, 5, 14, 13, 12, 11, 10]);
    for (let seed = 0; seed < 6; seed++) {
      const flips = new Random(seed).uniform() < 0.5;
      expect(augmentBatch(x, 1, { height: 3, width: 5 }, new Random(seed), { flip: true, shift: 0 })).toEqual(flips ? mirrored : x);
    }
    expect(() => augmentBatch(x, 1, { height: 4, width: 4 }, new Random(0), { flip: true, shift: 0 })).toThrow(/x has 15 values, expected n x height x width = 1 x 4 x 4/);
  });

  test('cosine schedule: lr at the start, lr * floor at the end, the midpoint halfway', () => {
    expect(cosineLr(1e-3, 0.02, 0, 101)).toBeCloseTo(1e-3, 15);
    expect(cosineLr(1e-3, 0.02, 100, 101)).toBeCloseTo(2e-5, 15);
    expect(cosineLr(1e-3, 0.02, 50, 101)).toBeCloseTo(1e-3 * (0.02 + 0.98 * 0.5), 15);
  });

  test('scoring: accuracy, per-class accuracy and mean cross-entropy', () => {
    // Two classes; rows: (2, 0) label 0 (right), (0, 1) label 1 (right), (3, 1) label 1 (wrong).
    const logits = Float32Array.from([2, 0, 0, 1, 3, 1]);
    const s = scoreLogits(logits, [0, 1, 1], 2);
    expect(s.acc).toBeCloseTo(2 / 3, 12);
    expect(s.perClass).toEqual([1, 0.5]);
    const ce = (a: number, b: number, y: number) => Math.log(Math.exp(a) + Math.exp(b)) - (y === 0 ? a : b);
    expect(s.loss).toBeCloseTo((ce(2, 0, 0) + ce(0, 1, 1) + ce(3, 1, 1)) / 3, 6);
  });
});
