/**
 * @jest-environment ./test/export/ort-environment.js
 *
 * `dgm eval --only <flows>` scores flows by their own likelihood and loads no classifier: a report without the
 * classifier's parts, written and rendered; the flow's test log-likelihood against tfjs on the same moons test set.
 * A GAN still needs the classifier, and says how to make one. Reports of flows only are refused as FID baselines.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, shutdownBackend } from '../../training/backend';
import { findFashionMnist } from '../../training/data/fashion-mnist';
import { makeMoons } from '../../training/data/moons';
import { realnvpLogProb } from '../../families/realnvp/definition';
import { EvalOptions, needsClassifier, runEval } from '../../eval/run-eval';
import { evalMarkdown, writeEvalReport } from '../../eval/report';
import { compareReports, readEvalReport } from '../../eval/compare';
import { exportRealNvp } from '../families/realnvp-fixture';

let tmp: string;
beforeAll(async () => {
  await initBackend({ backend: 'cpu', quiet: true });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dgm-run-eval-'));
});
afterAll(async () => {
  fs.rmSync(tmp, { recursive: true, force: true });
  await shutdownBackend();
});

function options(over: Partial<EvalOptions>): EvalOptions {
  return { modelsDir: path.join(tmp, 'models'), outDir: path.join(tmp, 'reports'), samples: 50, kidSubsets: 2, kidSubsetSize: 10, seed: 0, threads: 1, log: () => undefined, ...over };
}

test('needsClassifier: only when a GAN is among the models evaluated', () => {
  expect(needsClassifier(undefined)).toBe(true);
  expect(needsClassifier(['realnvp-moons', 'maf-fmnist'])).toBe(false);
  expect(needsClassifier(['maf-moons', 'cgan'])).toBe(true);
});

const data = findFashionMnist();
(data ? test : test.skip)('flows only: no classifier loaded, the flow scored against tfjs, a report without FID/KID', async () => {
  const moonsData = { dataset: 'moons', seed: 3, n: 400 };
  const cfg = { inputSize: 2, couplings: 4, hidden: 8, nHidden: 2, logScaleBound: 2, firstMask: 'identity' as const };
  const m = await exportRealNvp(path.join(tmp, 'models'), 'realnvp-moons', cfg, { space: 'standardized moons', details: moonsData });
  try {
    // No models/classifier here: loading it would throw.
    const report = await runEval(options({ only: ['realnvp-moons'] }));
    expect(report.classifier).toBeUndefined();
    expect(report.featureExtractor).toBeUndefined();
    expect(report.floor).toBeUndefined();
    expect(report.gans).toEqual([]);
    expect(report.flows).toHaveLength(1);
    const row = report.flows[0];
    expect(row.status).toBe('evaluated');
    const test = makeMoons({ seed: moonsData.seed, n: moonsData.n }).test;
    const n = test.length / 2;
    expect(row.n).toBe(n);
    const want = tf.tidy(() => realnvpLogProb(m.def, m.params, tf.tensor2d(test, [n, 2])).mean().dataSync()[0]);
    expect(Math.abs(row.testLogLik! - want)).toBeLessThan(1e-4);

    const md = evalMarkdown(report);
    expect(md).toContain('no classifier was loaded, so this report has no FID, KID or class fidelity');
    expect(md).not.toContain('## Classifier');
    expect(md).toContain(`| realnvp-moons (step 0) | ${row.testLogLik!.toFixed(4)} |`);
    const files = writeEvalReport(path.join(tmp, 'reports'), report);
    expect(() => readEvalReport(files.json)).toThrow(/has no featureExtractor.id \(a report of flows only/);
    expect(() => compareReports(report, 'a.json', report, 'b.json')).toThrow(/a.json: a report of flows only/);
  } finally {
    m.dispose();
  }
}, 120_000);

(data ? test : test.skip)('a GAN still needs the classifier, and the error says how to make one', async () => {
  await expect(runEval(options({ only: ['gan'], modelsDir: path.join(tmp, 'empty') }))).rejects.toThrow(/classifier .*does not exist: train and export it first \(dgm train classifier && dgm export classifier/);
});
