/**
 * @jest-environment ./test/export/ort-environment.js
 *
 * The whole export of one model: folder contents, card.json = the card inside every .onnx (read back both with
 * protobufjs and with the runtime's own metadata reader), parity and checker recorded; and the failure paths:
 * an unsupported layer names the layer and the model, a parity failure writes nothing and keeps the old folder.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as fs from 'fs';
import * as path from 'path';
import { Random } from '../../runtime/core/random';
import { readOnnxMetadata } from '../../runtime/core/onnx-metadata';
import { ganDefinition, initGanParams } from '../../families/gan/gan-nets';
import { LayerSpec } from '../../training/nets/layers';
import { initMafParams, mafDefinition } from '../../families/maf/maf';
import { CARD_FORMAT, ModelCard, parseCard } from '../../export/card';
import { exportModel } from '../../export/export-model';
import { ganJob } from '../../families/gan/gan-job';
import { realTestImages } from '../../export/real-data';
import { mafJob } from '../../families/maf/maf-job';
import { decodeModel } from '../../export/onnx/proto';
import { weightsFromParams } from '../../export/weights';
import { checkerUnavailable } from '../../export/onnx-checker';
import { tmpDir, useCpu } from './helpers';

const training: ModelCard['training'] = { run: 'runs/test', checkpoint: 'runs/test/checkpoint.ckpt', step: 3, epoch: 1, config: {}, metrics: { loss: 1.5 } };
const RUNTIME = 'onnxruntime-node (test)';

function readCardFromOnnx(file: string): { viaProtobuf: Record<string, string>; viaRuntime: Record<string, string> } {
  const bytes = fs.readFileSync(file);
  const viaProtobuf = Object.fromEntries(decodeModel(bytes).metadata_props.map((p) => [p.key, p.value]));
  return { viaProtobuf, viaRuntime: readOnnxMetadata(new Uint8Array(bytes)) };
}

describe('exportModel', () => {
  const root = tmpDir('pipeline');
  beforeAll(useCpu);
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  test('MAF: model.onnx + sample.onnx + card.json, card in metadata, parity within tolerance', async () => {
    const def = mafDefinition({ inputSize: 3, hiddenSize: 8, nHidden: 1, nFlows: 2 });
    const params = initMafParams(def, new Random(4));
    try {
      const dir = path.join(root, 'maf-tiny');
      const job = mafJob({ name: 'maf-tiny', kind: 'maf', def, params, weights: weightsFromParams(params), training, data: { dimensions: 3, space: 'test' }, parityN: 200, reference: 'tfjs cpu' });
      const res = await exportModel(job, dir, { runtime: RUNTIME });
      expect(fs.readdirSync(dir).sort()).toEqual(['card.json', 'model.onnx', 'sample.onnx']);
      const card = parseCard(fs.readFileSync(path.join(dir, 'card.json'), 'utf8'), 'card.json');
      expect(card).toEqual(res.card);
      expect(card.format).toBe(CARD_FORMAT);
      expect(card.latentSize).toBe(3);
      expect(card.files.map((f) => [f.file, f.role, fs.statSync(path.join(dir, f.file)).size])).toEqual([
        ['model.onnx', 'log_prob', card.files[0].bytes],
        ['sample.onnx', 'sample', card.files[1].bytes],
      ]);
      expect(card.files[0].outputs.map((o) => [o.name, o.shape])).toEqual([['log_prob', ['N']], ['z', ['N', 3]]]);
      expect(card.parity.checks.map((c) => `${c.file}:${c.output}`)).toEqual(['sample.onnx:x', 'model.onnx:log_prob', 'model.onnx:z']);
      for (const c of card.parity.checks) expect(c.maxAbsError).toBeLessThanOrEqual(c.tolerance);
      expect(card.checker.ran).toBe(checkerUnavailable() === null);
      expect(card.export.opset).toBe(17);
      for (const f of ['model.onnx', 'sample.onnx']) {
        const { viaProtobuf, viaRuntime } = readCardFromOnnx(path.join(dir, f));
        expect(viaRuntime).toEqual(viaProtobuf);
        expect(JSON.parse(viaProtobuf['dgm.card'])).toEqual(card);
        expect(viaProtobuf['dgm.role']).toBe(f === 'model.onnx' ? 'log_prob' : 'sample');
      }
      expect(fs.readdirSync(root).filter((f) => f.startsWith('.'))).toEqual([]);
    } finally {
      params.forEach((v) => v.dispose());
    }
  });

  test('conditional GAN: generator and discriminator with class names and image facts', async () => {
    const def = ganDefinition({ numClasses: 3, head: 'miyato', dimZ: 8 });
    const { gen, disc } = initGanParams(def, new Random(5));
    const params = new Map([...gen, ...disc]);
    try {
      const dir = path.join(root, 'cgan-tiny');
      const real = realTestImages(6);
      if (typeof real === 'string') console.warn(`cgan-tiny: ${real}`);
      const job = ganJob({
        name: 'cgan-tiny',
        kind: 'cgan',
        def,
        params,
        weights: weightsFromParams(params),
        training,
        classNames: ['a', 'b', 'c', 'd'],
        parityN: 6,
        real: typeof real === 'string' ? undefined : { ...real, labels: real.labels.map((l) => l % 3) },
        reference: 'tfjs cpu',
      });
      const { card } = await exportModel(job, dir, { runtime: RUNTIME });
      expect(fs.readdirSync(dir).sort()).toEqual(['card.json', 'discriminator.onnx', 'model.onnx']);
      expect(card.classNames).toEqual(['a', 'b', 'c']);
      expect(card.image).toEqual({ layout: 'NCHW', channels: 1, height: 28, width: 28, pixelRange: [-1, 1], squashed: false });
      expect(card.files[0].inputs.map((i) => [i.name, i.dtype, i.shape])).toEqual([['z', 'float32', ['N', 8]], ['label', 'int64', ['N']]]);
      expect(card.files[0].outputs.map((i) => [i.name, i.shape])).toEqual([['image', ['N', 1, 28, 28]]]);
      expect(card.files[1].outputs.map((i) => [i.name, i.shape])).toEqual([['logit', ['N']]]);
      for (const c of card.parity.checks) expect(c.maxAbsError).toBeLessThanOrEqual(c.tolerance);
      const checked = card.parity.checks.map((c) => `${c.file}:${c.output}:${c.inputs}`);
      expect(checked.slice(0, 2)).toEqual(['model.onnx:image:6 z ~ N(0, I), labels i mod 3', 'discriminator.onnx:logit:6 generated images (tfjs generator outputs)']);
      if (typeof real !== 'string') expect(checked[2]).toBe('discriminator.onnx:logit:6 Fashion-MNIST test images (pixels / 127.5 - 1)');
    } finally {
      params.forEach((v) => v.dispose());
    }
  });

  test('an unsupported layer is an error naming the layer and the model, and nothing is written', () => {
    const def = mafDefinition({ inputSize: 2, hiddenSize: 4, nHidden: 1, nFlows: 1 });
    const params = initMafParams(def, new Random(6));
    try {
      def.flows[0].made.stack.splice(1, 0, { kind: 'dropout', name: 'flow0.drop', rate: 0.1 } as unknown as LayerSpec);
      const build = () => mafJob({ name: 'maf-bad', kind: 'maf', def, params, weights: weightsFromParams(params), training, data: { dimensions: 2, space: 'test' }, reference: 'tfjs cpu' });
      expect(build).toThrow(/model "maf-bad": layer 1 "flow0.drop" \(dropout\) has no ONNX lowering/);
      expect(fs.existsSync(path.join(root, 'maf-bad'))).toBe(false);
    } finally {
      params.forEach((v) => v.dispose());
    }
  });

  test('a parity failure writes nothing and leaves the previous export in place', async () => {
    const def = mafDefinition({ inputSize: 2, hiddenSize: 4, nHidden: 1, nFlows: 1 });
    const params = initMafParams(def, new Random(7));
    try {
      const dir = path.join(root, 'maf-drift');
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'card.json'), 'previous');
      // Export weights that differ from the tfjs reference by 1e-2 in one bias: parity must catch it.
      const weights = weightsFromParams(params);
      const bias = weights.get('flow0.out.bias')!;
      weights.set('flow0.out.bias', { shape: bias.shape, data: bias.data.map((v, i) => (i === 3 ? v + 1e-2 : v)) });
      const job = mafJob({ name: 'maf-drift', kind: 'maf', def, params, weights, training, data: { dimensions: 2, space: 'test' }, parityN: 100, reference: 'tfjs cpu' });
      await expect(exportModel(job, dir, { runtime: RUNTIME })).rejects.toThrow(/model "maf-drift": ONNX and tfjs disagree: .*nothing written/);
      expect(fs.readdirSync(dir)).toEqual(['card.json']);
      expect(fs.readFileSync(path.join(dir, 'card.json'), 'utf8')).toBe('previous');
      expect(fs.readdirSync(root).filter((f) => f.startsWith('.'))).toEqual([]);
    } finally {
      params.forEach((v) => v.dispose());
    }
  });
});

// tf is imported so the cpu backend registers before any model code runs.
void tf;
