/**
 * @jest-environment ./test/export/ort-environment.js
 *
 * The GAN generator and discriminator graphs (dense and projection heads, conditional and not, with tanh) against the
 * tfjs definitions in families/gan/gan-nets.ts on random weights, through onnxruntime-node and the ONNX checker.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as fs from 'fs';
import * as path from 'path';
import { Random } from '../../runtime/core/random';
import { GanNetConfig, discriminate, ganDefinition, generate, initGanParams } from '../../families/gan/gan-nets';
import { discriminatorGraph } from '../../families/gan/discriminator';
import { generatorGraph } from '../../families/gan/generator';
import { builtToBytes } from '../../export/graphs/to-model';
import { decodeModel } from '../../export/onnx/proto';
import { Feed, maxAbsDiff, runOrt } from '../../export/ort';
import { weightsFromParams } from '../../export/weights';
import { randn, randomiseBatchNorms, runChecker, tmpDir, useCpu } from './helpers';

// Full-size course networks (their shapes are fixed by gan-nets.ts); few examples keep the tfjs cpu reference fast.
const CONFIGS: [string, Partial<GanNetConfig>][] = [
  ['gan-dense-head-tanh', { outputTanh: true, leak: 0.2 }],
  ['cgan-projection', { numClasses: 10, head: 'projection' }],
];
// The Miyato head is exported and checked in export-model.test.ts (cgan-tiny).

describe('GAN graphs match tfjs', () => {
  const dir = tmpDir('gan');
  const written: string[] = [];
  beforeAll(useCpu);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test.each(CONFIGS)('%s', async (name, cfg) => {
    const def = ganDefinition(cfg);
    const rng = new Random(11, CONFIGS.findIndex((c) => c[0] === name));
    const { gen, disc } = initGanParams(def, rng);
    try {
      randomiseBatchNorms(gen, rng);
      const n = 10;
      const k = def.config.numClasses;
      const z = randn(rng, n * def.config.dimZ);
      const labels = k > 0 ? Int32Array.from({ length: n }, (_, i) => i % k) : null;
      const lab64: Record<string, Feed> = labels ? { label: { data: BigInt64Array.from(labels, (v) => BigInt(v)), dims: [n] } } : {};

      const img = tf.tidy(() => generate(def, gen, tf.tensor2d(z, [n, def.config.dimZ]), labels ? tf.tensor1d(labels, 'int32') : null, { training: false }));
      expect(img.shape).toEqual([n, 28, 28, 1]);
      const imgData = img.dataSync() as Float32Array;
      img.dispose();
      const gBytes = builtToBytes(generatorGraph(def, weightsFromParams(gen), name));
      const gOut = (await runOrt(gBytes, { z: { data: z, dims: [n, def.config.dimZ] }, ...lab64 })).image;
      expect(gOut.dims).toEqual([n, 1, 28, 28]);
      expect(maxAbsDiff(gOut.data, imgData)).toBeLessThanOrEqual(1e-4);
      const gOps = new Set(decodeModel(gBytes).graph.node.map((nd) => nd.op_type));
      expect(gOps.has('Transpose')).toBe(false); // the image path is NCHW end to end
      if (k > 0) expect(gOps.has('OneHot')).toBe(false);

      // The discriminator sees the generated images (realistic inputs) plus noise images.
      const x = Float32Array.from(imgData, (v, i) => (i < imgData.length / 2 ? v : Math.tanh(2 * (rng.uniform() - 0.5))));
      const logits = tf.tidy(() => discriminate(def, disc, tf.tensor4d(x, [n, 28, 28, 1]), labels ? tf.tensor1d(labels, 'int32') : null));
      const want = logits.dataSync() as Float32Array;
      logits.dispose();
      const dBytes = builtToBytes(discriminatorGraph(def, weightsFromParams(disc), name));
      const dOut = (await runOrt(dBytes, { x: { data: x, dims: [n, 1, 28, 28] }, ...lab64 })).logit;
      expect(dOut.dims).toEqual([n]);
      expect(maxAbsDiff(dOut.data, want)).toBeLessThanOrEqual(1e-4);

      for (const [role, bytes] of [['generator', gBytes], ['discriminator', dBytes]] as const) {
        const f = path.join(dir, `${name}.${role}.onnx`);
        fs.writeFileSync(f, bytes);
        written.push(f);
      }
    } finally {
      [...gen.values(), ...disc.values()].forEach((v) => v.dispose());
    }
  });

  test('reference checker accepts every GAN graph', () => {
    expect(written.length).toBe(2 * CONFIGS.length);
    const { ok, results } = runChecker(written);
    if (!ok) return;
    for (const r of results) expect({ file: path.basename(r.file), error: r.error }).toEqual({ file: path.basename(r.file), error: undefined });
  });
});
