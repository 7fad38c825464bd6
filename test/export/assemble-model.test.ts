/**
 * @jest-environment ./test/export/ort-environment.js
 *
 * assembleModel (export/assemble-model.ts) is what `dgm export` writes through and what the training page runs in the
 * browser: given the same job and the same card facts (parity figures, checker verdict, export facts, runtime) it
 * gives the same bytes. Here: exportModel writes a small moons flow; assembleModel, fed the facts of the card it
 * wrote, gives every file byte for byte; with another export time only the card's text and the metadata differ,
 * never the graphs.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Random } from '../../runtime/core/random';
import { contentSha256 } from '../../runtime/core/integrity';
import { initMafParams } from '../../families/maf/maf';
import { makeMoons } from '../../training/data/moons';
import { pageMafConfig, pageMafJob, PAGE_MAF_DEFAULTS } from '../../training/browser/maf-page-job';
import { mafDefinitionFromRunConfig } from '../../families/maf/maf-common';
import { assembleModel } from '../../export/assemble-model';
import { exportModel } from '../../export/export-model';
import type { ModelCard } from '../../export/card';
import { nodeSha256 } from '../../export/node-sha256';

describe('assembleModel', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dgm-assemble-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  test('the same job and card facts give the bytes exportModel wrote', async () => {
    await tf.setBackend('cpu');
    const opts = { ...PAGE_MAF_DEFAULTS, hidden: 8, flows: 2, n: 2000 };
    const config = pageMafConfig(opts, makeMoons({ seed: opts.dataSeed, n: opts.n }));
    const params = initMafParams(mafDefinitionFromRunConfig(config), new Random(3));
    try {
      const tensors = [...params].map(([name, v]) => ({ name, shape: [...v.shape], data: Float32Array.from(v.dataSync() as Float32Array) }));
      const training = { run: 'r', checkpoint: 'c', step: 0, epoch: 0, config, metrics: {} };
      const { job } = pageMafJob({ name: 'tiny-moons', config, tensors, training }, params, { reference: `tfjs-core ${tf.version_core} (cpu backend)`, parityN: 200 });
      const dir = path.join(root, 'tiny-moons');
      await exportModel(job, dir, { checker: 'off', runtime: 'onnxruntime-node (test)' });
      const card = JSON.parse(fs.readFileSync(path.join(dir, 'card.json'), 'utf8')) as ModelCard;
      expect(card.parity.checks.length).toBe(5);

      const facts = { runtime: card.parity.runtime, checker: () => card.checker, export: card.export, sha256: nodeSha256 };
      const again = await assembleModel({ ...job, parity: async () => card.parity.checks }, facts);
      expect(Object.keys(again.files).sort()).toEqual(fs.readdirSync(dir).sort());
      for (const [file, content] of Object.entries(again.files)) {
        const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
        expect({ file, equal: bytes.equals(fs.readFileSync(path.join(dir, file))) }).toEqual({ file, equal: true });
      }

      const later = await assembleModel({ ...job, parity: async () => card.parity.checks }, { ...facts, export: { ...card.export, exportedAt: '2030-01-01T00:00:00.000Z' } });
      for (const f of ['model.onnx', 'sample.onnx']) {
        const a = later.files[f] as Uint8Array;
        expect(Buffer.from(a).equals(fs.readFileSync(path.join(dir, f)))).toBe(false);
        expect(await contentSha256(a, nodeSha256)).toBe(await contentSha256(new Uint8Array(fs.readFileSync(path.join(dir, f))), nodeSha256));
      }
      expect(later.card.id).toBe(card.id);
    } finally {
      params.forEach((v) => v.dispose());
    }
  }, 120000);
});
