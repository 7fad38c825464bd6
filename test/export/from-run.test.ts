/**
 * @jest-environment ./test/export/ort-environment.js
 *
 * Export from a run folder as the harness writes it (checkpoint.ckpt / best.ckpt via writeCheckpoint,
 * metrics.jsonl via appendMetrics): which runs are found, which checkpoint is read, the training facts in the
 * card, the real-data parity check, and the error for a kind with no exporter.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Random } from '../../runtime/core/random';
import { paramsToTensors, writeCheckpoint } from '../../training/harness/checkpoint';
import { appendMetrics, makeRecord } from '../../training/harness/metrics-log';
import { initMafParams, mafDefinition } from '../../families/maf/maf';
import { exportModel } from '../../export/export-model';
import { findRuns, jobFromRun } from '../../export/from-run';
import { tmpDir, useCpu } from './helpers';

const config = {
  maf: { inputSize: 2, hiddenSize: 8, nHidden: 1, nFlows: 2 },
  data: { dataset: 'moons', n: 3000, noise: 0.05, seed: 0, coordinates: 'standardized (x - mean) / std' },
  train: { lr: 1e-3, weightDecay: 0, batch: 10 },
};

describe('export from a run folder', () => {
  const root = tmpDir('runs');
  const runs = path.join(root, 'runs');
  beforeAll(async () => {
    await useCpu();
    const def = mafDefinition(config.maf);
    const run = path.join(runs, 'maf-small');
    fs.mkdirSync(run, { recursive: true });
    for (const [file, seed, step] of [['best.ckpt', 1, 5], ['checkpoint.ckpt', 2, 10]] as const) {
      const params = initMafParams(def, new Random(seed));
      const tensors = [...paramsToTensors(params), { name: 'opt/adam/iter', shape: [], data: new Float32Array([step]) }];
      writeCheckpoint(path.join(run, file), { kind: 'maf', config, step, epoch: 1, tensors, rng: new Random(0).getState(), meta: { run: 'maf-small', harness: { version: 1 } } });
      params.forEach((v) => v.dispose());
    }
    for (const [step, ll] of [[5, -2.5], [10, -2.4], [20, -2.3]]) appendMetrics(path.join(run, 'metrics.jsonl'), makeRecord('epoch', step, step / 10, { val_ll: ll }));
    fs.mkdirSync(path.join(runs, 'not-trained'));
    const odd = path.join(runs, 'odd-kind');
    fs.mkdirSync(odd);
    writeCheckpoint(path.join(odd, 'checkpoint.ckpt'), { kind: 'vae', config: {}, step: 1, epoch: 0, tensors: [], rng: new Random(0).getState(), meta: {} });
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  test('finds only folders with a checkpoint', () => {
    expect(findRuns(runs).map((d) => path.basename(d))).toEqual(['maf-small', 'odd-kind']);
    expect(findRuns(path.join(root, 'nowhere'))).toEqual([]);
  });

  test('exports best.ckpt with its training facts and a real-data check', async () => {
    const rj = await jobFromRun(path.join(runs, 'maf-small'), { parityN: 100, reference: 'tfjs cpu' });
    try {
      expect(path.basename(rj.checkpointFile)).toBe('best.ckpt');
      const { card } = await exportModel(rj.job, path.join(root, 'models', 'maf-small'), { runtime: 'ort' });
      expect(card.name).toBe('maf-small');
      expect(card.training.step).toBe(5);
      expect(card.training.metrics).toEqual({ val_ll: -2.5 });
      expect(card.training.config).toEqual(config);
      expect(card.training.meta).toEqual({ run: 'maf-small' });
      expect(card.data?.space).toBe('standardized (x - mean) / std');
      const real = card.parity.checks.filter((c) => c.inputs.includes('two-moons test points'));
      expect(real.map((c) => c.output)).toEqual(['log_prob', 'z']);
      expect(real[0].n).toBe(100);
      for (const c of card.parity.checks) expect(c.maxAbsError).toBeLessThanOrEqual(c.tolerance);
    } finally {
      rj.dispose();
    }
  });

  test("--checkpoint last reads checkpoint.ckpt", async () => {
    const rj = await jobFromRun(path.join(runs, 'maf-small'), { which: 'last', parityN: 10, noRealData: true, reference: 'tfjs cpu' });
    try {
      expect(path.basename(rj.checkpointFile)).toBe('checkpoint.ckpt');
      expect(rj.job.facts.training.step).toBe(10);
      expect(rj.job.facts.training.metrics).toEqual({ val_ll: -2.4 });
    } finally {
      rj.dispose();
    }
  });

  test('a kind with no exporter is an error naming the run and the kind', async () => {
    await expect(jobFromRun(path.join(runs, 'odd-kind'), { reference: 'tfjs cpu' })).rejects.toThrow(/odd-kind: checkpoint kind "vae" has no exporter \(known: maf, /);
    await expect(jobFromRun(path.join(runs, 'not-trained'), { reference: 'tfjs cpu' })).rejects.toThrow(/no best.ckpt or checkpoint.ckpt/);
  });
});
