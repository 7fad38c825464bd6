/**
 * @jest-environment ./test/export/ort-environment.js
 *
 * runtime/node.ts on models exported by the project's pipeline: GAN sampling and flow log-density / sampling
 * against the tfjs definitions (cpu backend) on the same seeded noise, provider choice and reporting, batching,
 * and every bad input.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as fs from 'fs';
import * as path from 'path';
import { maxAbsDiff } from '../../export/ort';
import { latentNoise } from '../../runtime/core/noise';
import { Flow, GanSampler, readModelCard } from '../../runtime/node';
import { cudaProviderInstalled } from '../../runtime/node-providers';
import { generate } from '../../families/gan/gan-nets';
import { mafLogProb, mafSample } from '../../families/maf/maf';
import { exportGan, exportMaf, GanFixture, MafFixture, tmpDir, useTfCpu } from './fixtures';

describe('runtime/node', () => {
  const root = tmpDir('node');
  let cgan: GanFixture;
  let ganDir: string;
  let ganWant: Float32Array;
  let moons: MafFixture;
  const MEAN = [0.5, 0.25];
  const STD = [0.8, 0.5];

  beforeAll(async () => {
    await useTfCpu();
    // tfjs variables are global by name: the unconditional GAN's reference is computed before the cGAN is built.
    const gan = await exportGan(root, 'gan', { outputTanh: true }, 5);
    ganDir = gan.dir;
    ganWant = tf.tidy(() => generate(gan.def, gan.gen, tf.tensor2d(latentNoise(11, 4, 64), [4, 64]), null, { training: false }).dataSync() as Float32Array);
    gan.dispose();
    cgan = await exportGan(root, 'cgan', { numClasses: 10, head: 'projection' });
    moons = await exportMaf(root, 'maf-moons', { inputSize: 2, hiddenSize: 16, nHidden: 1, nFlows: 3 }, {
      space: 'standardised two moons',
      // as families/maf/maf-moons.ts writes it into the checkpoint config, which export copies into the card
      details: { dataset: 'moons', coordinates: 'standardized (x - mean) / std', mean: MEAN, std: STD },
    });
  });

  afterAll(() => {
    [cgan, moons].forEach((f) => f?.dispose());
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('conditional GAN: same images as tfjs for the same seed and labels; provider reported', async () => {
    const lines: string[] = [];
    const s = await GanSampler.load(cgan.dir, { log: (l) => lines.push(l) });
    expect(s.provider).toBe(cudaProviderInstalled() ? 'cuda' : 'cpu');
    if (!cudaProviderInstalled()) expect(s.providerNote).toMatch(/^auto: no CUDA provider installed; webgpu: /);
    expect(s.spec).toMatchObject({ latentDim: 64, numClasses: 10, image: { channels: 1, height: 28, width: 28, range: [-1, 1] } });
    expect(s.spec.classNames[9]).toBe('Ankle boot');

    const n = 12;
    const labels = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8];
    const got = await s.sample({ n, seed: 7, labels });
    expect([got.images.n, got.images.height, got.images.width, got.images.channels]).toEqual([n, 28, 28, 1]);
    expect([...got.labels!]).toEqual(labels);
    const want = tf.tidy(() => generate(cgan.def, cgan.gen, tf.tensor2d(latentNoise(7, n, 64), [n, 64]), tf.tensor1d(labels, 'int32'), { training: false }).dataSync() as Float32Array);
    expect(maxAbsDiff(got.images.data, want)).toBeLessThanOrEqual(1e-4);

    // Default labels cycle through the classes; one label may be given for all.
    expect([...(await s.sample({ n: 12, seed: 7 })).labels!]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    expect([...(await s.sample({ n: 3, seed: 7, labels: 4 })).labels!]).toEqual([4, 4, 4]);
    await s.release();
  });

  test('the same seed gives the same images whatever the batch size; another seed others', async () => {
    const big = await GanSampler.load(path.join(cgan.dir, 'model.onnx'));
    const small = await GanSampler.load(cgan.dir, { maxBatch: 5 });
    const a = await big.sample({ n: 12, seed: 3, labels: 2 });
    const b = await small.sample({ n: 12, seed: 3, labels: 2 });
    expect(maxAbsDiff(a.images.data, b.images.data)).toBe(0);
    const c = await big.sample({ n: 12, seed: 4, labels: 2 });
    expect(maxAbsDiff(a.images.data, c.images.data)).toBeGreaterThan(0.01);
    await big.release();
    await small.release();
  });

  test('unconditional GAN matches tfjs and refuses labels', async () => {
    const s = await GanSampler.load(ganDir);
    expect(s.conditional).toBe(false);
    const r = await s.sample({ n: 4, seed: 11 });
    expect(r.labels).toBeUndefined();
    expect(maxAbsDiff(r.images.data, ganWant)).toBeLessThanOrEqual(1e-4);
    await expect(s.sample({ n: 4, seed: 1, labels: 3 })).rejects.toThrow(/labels: model gan is unconditional and takes no labels/);
    await s.release();
  });

  test('bad sampling inputs get errors naming them', async () => {
    const s = await GanSampler.load(cgan.dir);
    await expect(s.sample({ n: 0, seed: 1 })).rejects.toThrow(/^n must be an integer in \[1, 10000\], got 0/);
    await expect(s.sample({ n: 20000, seed: 1 })).rejects.toThrow(/^n must be an integer/);
    await expect(s.sample({ n: 2, seed: 1.5 })).rejects.toThrow(/^seed must be an integer in \[0, 2\^32 - 1\] = \[0, 4294967295\], got 1.5/);
    await expect(s.sample({ n: 2, seed: 1, labels: 10 })).rejects.toThrow(/^labels must be an integer in \[0, 9\], got 10/);
    await expect(s.sample({ n: 2, seed: 1, labels: [1, -1] })).rejects.toThrow(/^labels\[1\] must be an integer in \[0, 9\], got -1/);
    await expect(s.sample({ n: 2, seed: 1, labels: [1] })).rejects.toThrow(/one entry per sample \(n = 2\), got 1/);
    await s.release();
    await expect(s.sample({ n: 2, seed: 1 })).rejects.toThrow(/released/);
  });

  test('providers: an unavailable explicit provider is an error, never a fallback', async () => {
    if (!cudaProviderInstalled()) {
      await expect(GanSampler.load(cgan.dir, { provider: 'cuda' })).rejects.toThrow(/provider cuda was requested but the CUDA execution provider is not installed/);
    }
    await expect(GanSampler.load(cgan.dir, { provider: 'tpu' as never })).rejects.toThrow(/provider must be one of auto, cuda, cpu, webgpu, got "tpu"/);
    const s = await GanSampler.load(cgan.dir, { provider: 'cpu' });
    expect([s.provider, s.providerNote]).toEqual(['cpu', 'requested']);
    await s.release();
  });

  test('flow: log-density and samples match tfjs; data-space density adds the standardisation', async () => {
    const flow = await Flow.load(moons.dir);
    expect(flow.dims).toBe(2);
    expect(flow.spec.transform).toEqual({ kind: 'standardize', mean: MEAN, std: STD });
    const x = [[0.1, -0.3], [1.2, 0.4], [-2, 0.7]];
    const { logProb: lp, nonFinite } = await flow.logProb(x);
    expect(nonFinite).toEqual([]);
    const want = tf.tidy(() => mafLogProb(moons.def, moons.params, tf.tensor2d(x)).dataSync() as Float32Array);
    expect(maxAbsDiff(lp, want)).toBeLessThanOrEqual(1e-4);
    // log p(r) for raw points r = x * std + mean is log p(x) - sum log std.
    const raw = x.map((row) => row.map((v, j) => v * STD[j] + MEAN[j]));
    const data = await flow.logProbData(raw);
    const shift = Math.log(STD[0]) + Math.log(STD[1]);
    expect(maxAbsDiff(data.logProb, Array.from(want, (v) => v - shift))).toBeLessThanOrEqual(1e-4);
    expect(data.bitsPerDim).toBeUndefined();

    const s = await flow.sample({ n: 50, seed: 9 });
    const xs = tf.tidy(() => mafSample(moons.def, moons.params, 50, 9).dataSync() as Float32Array);
    expect(maxAbsDiff(s.x, xs)).toBeLessThanOrEqual(1e-4);
    expect(maxAbsDiff(s.data, Array.from(xs, (v, k) => v * STD[k % 2] + MEAN[k % 2]))).toBeLessThanOrEqual(1e-4);
    expect(flow.provider).toBe(cudaProviderInstalled() ? 'cuda' : 'cpu');
    await flow.release();
  });

  test('flow: bad rows get errors naming them', async () => {
    const flow = await Flow.load(moons.dir);
    await expect(flow.logProb([[1, 2, 3]])).rejects.toThrow(/^x\[0\] must have 2 values \(the model's width\), got 3/);
    await expect(flow.logProb([1, 2, 3])).rejects.toThrow(/^x must hold N rows of 2 values/);
    await expect(flow.logProb([[1, NaN]])).rejects.toThrow(/^x\[0\]\[1\] is NaN/);
    await expect(flow.logProb([[1, Infinity]])).rejects.toThrow(/^x\[0\]\[1\] is Infinity/);
    await expect(flow.sample({ n: -1, seed: 1 })).rejects.toThrow(/^n must be an integer/);
    await flow.release();
  });

  test('the card decides what a file is: wrong class, missing card, missing file', async () => {
    await expect(Flow.load(cgan.dir)).rejects.toThrow(/is a gan model \(cgan\), not a flow: load it as a GanSampler/);
    await expect(GanSampler.load(moons.dir)).rejects.toThrow(/is a maf model \(maf\), not a GAN: load it as a Flow/);
    await expect(GanSampler.load(path.join(root, 'nope'))).rejects.toThrow(/model file .*nope does not exist/);
    const bare = path.join(root, 'bare.onnx');
    // a minimal ModelProto (ir_version = 8 and nothing else): valid protobuf, no card
    fs.writeFileSync(bare, Buffer.from([0x08, 0x08]));
    await expect(GanSampler.load(bare)).rejects.toThrow(/bare\.onnx: has no model card \(metadata_props key "dgm.card"; keys present: none\)/);
    const html = path.join(root, 'page.onnx');
    fs.writeFileSync(html, '<!doctype html><title>not a model</title>');
    await expect(Flow.load(html)).rejects.toThrow(/page\.onnx: not a valid ONNX file: unsupported wire type 4/);
    expect(readModelCard(cgan.dir).classNames).toHaveLength(10);
    // From the discriminator file, the sampler still finds the generator next to it.
    const viaDisc = await GanSampler.load(path.join(cgan.dir, 'discriminator.onnx'));
    expect(viaDisc.spec.name).toBe('cgan');
    await viaDisc.release();
  });
});
