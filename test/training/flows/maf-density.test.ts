/**
 * Normalisation of 2-D MAF densities on a grid (wasm backend: a fine grid is ~10^6 evaluations), untrained and
 * after a few seconds of `maf-moons` training through the real run (small data, small net), rebuilt from its
 * best.ckpt the way export does.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../../../runtime/core/random';
import { initBackend, shutdownBackend } from '../../../training/backend';
import { loadParams, readCheckpoint } from '../../../training/harness/checkpoint';
import { initMafParams, mafDefinition } from '../../../families/maf/maf';
import { mafDefinitionFromRunConfig, MAF_KIND } from '../../../families/maf/maf-common';
import { trainMafMoons } from '../../../families/maf/maf-moons';
import type { TrainFlags } from '../../../training/harness/runs';
import { makeMoons } from '../../../training/data/moons';
import { gridIntegral } from './grid';
import { referenceMaf } from './reference-maf';

/** Mean log N(x; mu, Sigma) over `test` with mu, Sigma fitted to `train` by maximum likelihood (float64). */
function gaussianTestLogLik(train: Float32Array, test: Float32Array): number {
  const n = train.length / 2;
  let m0 = 0, m1 = 0;
  for (let i = 0; i < n; i++) { m0 += train[2 * i]; m1 += train[2 * i + 1]; }
  m0 /= n; m1 /= n;
  let a = 0, b = 0, c = 0;
  for (let i = 0; i < n; i++) {
    const u = train[2 * i] - m0, v = train[2 * i + 1] - m1;
    a += u * u; b += u * v; c += v * v;
  }
  a /= n; b /= n; c /= n;
  const det = a * c - b * b;
  let s = 0;
  const k = test.length / 2;
  for (let i = 0; i < k; i++) {
    const u = test[2 * i] - m0, v = test[2 * i + 1] - m1;
    s += -Math.log(2 * Math.PI) - 0.5 * Math.log(det) - 0.5 * (c * u * u - 2 * b * u * v + a * v * v) / det;
  }
  return s / k;
}

let tmp: string;
beforeAll(async () => {
  await initBackend({ backend: 'wasm', threads: 1, quiet: true });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dgm-maf-'));
});
afterAll(async () => {
  fs.rmSync(tmp, { recursive: true, force: true });
  await shutdownBackend();
});
afterEach(() => tf.disposeVariables());

test('an untrained 2-D MAF integrates to 1 +- 0.01 on a grid', async () => {
  const def = mafDefinition({ inputSize: 2, hiddenSize: 16, nHidden: 1, nFlows: 3 });
  const params = initMafParams(def, new Random(3));
  const g = await gridIntegral(def, params, 8, 0.02);
  expect(g.nonFinite).toBe(0);
  expect(Math.abs(g.integral - 1)).toBeLessThan(0.01);
});

test('maf-moons trained for a few seconds: beats the best Gaussian, and its density integrates to 1 +- 0.01', async () => {
  const runDir = path.join(tmp, 'maf-moons');
  const flags: TrainFlags = {
    model: 'maf-moons', name: 'maf-moons', runDir, epochs: 3, batch: 100, seed: 1, resume: false, fresh: false,
    set: { n: '3000', hidden: '32', flows: '3', plotEvery: '3' }, backend: 'wasm', progress: 'none', resumeCommand: '',
  };
  const result = await trainMafMoons(flags);
  expect(result.status).toBe('completed');
  // It must beat the best Gaussian (maximum-likelihood fit on the same training points) on the same test points.
  const m = makeMoons({ n: 3000 });
  expect(result.testLogLik!).toBeGreaterThan(gaussianTestLogLik(m.train, m.test) + 0.1);
  for (const f of ['best.ckpt', 'checkpoint.ckpt', 'metrics.jsonl', 'summary.json', 'samples-epoch003.png', 'samples-best.png']) {
    expect(fs.existsSync(path.join(runDir, f))).toBe(true);
  }
  const epochs = fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((r) => r.type === 'epoch');
  expect(epochs.map((r) => r.epoch)).toEqual([1, 2, 3]);
  for (const r of epochs) expect(Number.isFinite(r.train_ll) && Number.isFinite(r.val_ll)).toBe(true);

  const ck = readCheckpoint(path.join(runDir, 'best.ckpt'));
  expect(ck.kind).toBe(MAF_KIND);
  const def = mafDefinitionFromRunConfig(ck.config);
  const params = initMafParams(def, new Random(0));
  loadParams(params, ck.tensors);
  // Far from the data a trained flow can overflow float32 (an exp(-alpha) beyond 3e38, then 0 * inf in the next
  // flow's masked matmul gives NaN; PyTorch does the same). The float64 reference evaluates those points instead,
  // and they must carry no visible density.
  const g = await gridIntegral(def, params, 5, 0.025, referenceMaf(2, 32, 1, 3, params));
  expect(g.nonFiniteMaxDensity).toBeLessThan(1e-6);
  expect(Math.abs(g.integral - 1)).toBeLessThan(0.01);
}, 300_000);
