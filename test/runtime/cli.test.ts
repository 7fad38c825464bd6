/**
 * @jest-environment ./test/export/ort-environment.js
 *
 * `dgm sample` and `dgm logprob` on exported fixtures. The image flow's bits/dim are checked against the training
 * side's own implementation of the same steps (training/data: dequantisation, logit transform, bits/dim) with
 * tfjs's log-density, so runtime/ and training/ must agree on what a number means.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Command } from 'commander';
import * as fs from 'fs';
import * as path from 'path';
import { PNG } from 'pngjs';
import { registerLogprob } from '../../cli/commands/logprob';
import { sampleToPng } from '../../cli/commands/sample';
import { encodePng } from '../../runtime/png';
import { Random } from '../../runtime/core/random';
import { writeIdx } from '../../training/data/idx';
import { bitsPerDim, logit } from '../../training/data/logit';
import { toUnitDequantized } from '../../training/data/pixels';
import { mafLogProb } from '../../families/maf/maf';
import { exportGan, exportMaf, MafFixture, tmpDir, useTfCpu } from './fixtures';

async function logprobCli(args: string[]): Promise<string[]> {
  const program = new Command().exitOverride();
  registerLogprob(program);
  const lines: string[] = [];
  const spy = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    await program.parseAsync(['node', 'dgm', 'logprob', ...args]);
  } finally {
    spy.mockRestore();
  }
  return lines;
}

function pngSize(file: string): [number, number] {
  const p = PNG.sync.read(fs.readFileSync(file));
  return [p.width, p.height];
}

describe('dgm sample / dgm logprob', () => {
  const root = tmpDir('cli');
  let image: MafFixture;
  let pixels: Uint8Array;

  beforeAll(async () => {
    await useTfCpu();
    (await exportGan(root, 'cgan', { numClasses: 10, head: 'projection' })).dispose();
    (await exportMaf(root, 'maf-moons', { inputSize: 2, hiddenSize: 8, nHidden: 1, nFlows: 2 }, { space: 'standardized', details: { mean: [0.5, 0.2], std: [0.9, 0.5] } })).dispose();
    image = await exportMaf(root, 'maf-fmnist', { inputSize: 784, hiddenSize: 8, nHidden: 1, nFlows: 1 }, { space: 'logit', details: { dataset: 'fashion-mnist', lambda: 1e-6 } });
    const rng = new Random(21);
    pixels = Uint8Array.from({ length: 3 * 784 }, () => rng.int(256));
    writeIdx(path.join(root, 'three.idx'), { dims: [3, 28, 28], data: pixels });
    const rgba = new Uint8Array(784 * 4);
    for (let k = 0; k < 784; k++) rgba.set([pixels[k], pixels[k], pixels[k], 255], 4 * k);
    fs.writeFileSync(path.join(root, 'first.png'), encodePng(28, 28, rgba));
    fs.writeFileSync(path.join(root, 'points.json'), JSON.stringify([[0.1, 0.2], [1.5, -0.3]]));
  });

  afterAll(() => {
    image?.dispose();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('sample: a class grid of a conditional GAN, one class, and a 2-D flow over its density', async () => {
    const out = path.join(root, 'grid.png');
    const line = await sampleToPng('cgan', { n: 20, seed: 1, out, provider: 'auto', models: root });
    expect(line).toMatch(/^cgan: 20 samples, classes i mod 10, 302x62 grid in \d+ ms on cpu \(auto: no CUDA provider installed; webgpu: [^)]*\) -> /);
    expect(pngSize(out)).toEqual([302, 62]); // 10 columns of 28 + 11 gaps of 2; 2 rows
    const one = await sampleToPng(path.join(root, 'cgan'), { n: 4, seed: 1, label: 3, out, provider: 'cpu', models: root });
    expect(one).toMatch(/4 samples, class 3 \(Dress\), 62x62 grid/);
    const moons = path.join(root, 'moons.png');
    expect(await sampleToPng('maf-moons', { n: 300, seed: 2, out: moons, provider: 'cpu', models: root })).toMatch(/^maf-moons: 300 samples over the log-density/);
    expect(pngSize(moons)).toEqual([720, 480]);
    await expect(sampleToPng('maf-moons', { n: 3, seed: 2, label: 1, out, provider: 'cpu', models: root })).rejects.toThrow(/--label: model maf-moons is a flow and takes no labels/);
    await expect(sampleToPng('nope', { n: 3, seed: 2, out, provider: 'cpu', models: root })).rejects.toThrow(/model "nope" is neither a file\/folder, nor a model in .* \(exported models: cgan, maf-fmnist, maf-moons\), nor a shipped model \(cgan, gan, maf-moons, wgan-gp\)$/);
    await expect(sampleToPng('cgan', { n: 3, seed: 2, out, provider: 'gpu', models: root })).rejects.toThrow(/provider must be one of/);
  });

  test('logprob on IDX and PNG: bits/dim as the training side computes them', async () => {
    const lines = await logprobCli([path.join(root, 'maf-fmnist'), path.join(root, 'three.idx'), '--seed', '5']);
    expect(lines[0]).toMatch(/^maf-fmnist on three.idx: 3 IDX images 28x28; log-density of dequantised pixels in \[0, 1\)\^784, noise seed 5; cpu/);
    const got = lines.slice(2, 5).map((l) => l.trim().split(/\s+/).map(Number));
    // Training side: (pixel + u) / 256 with u from Random(5), logit with lambda 1e-6, tfjs MAF log-density.
    const { y, logDet } = logit(toUnitDequantized(pixels, new Random(5)), 784, 1e-6);
    const lpY = tf.tidy(() => mafLogProb(image.def, image.params, tf.tensor2d(y, [3, 784])).dataSync() as Float32Array);
    for (let i = 0; i < 3; i++) {
      const lp = lpY[i] + logDet[i];
      expect(got[i][0]).toBe(i);
      expect(Math.abs(got[i][1] - lp)).toBeLessThan(2e-3); // printed to 3 decimals; float32 graph vs float64 sums
      expect(Math.abs(got[i][2] - bitsPerDim(lp, 784))).toBeLessThan(1e-4);
    }
    expect(lines[5]).toMatch(/^mean log-likelihood -?[\d.]+ nats \(std [\d.]+\) over 3 examples; [\d.]+ bits\/dim/);
    // median and lowest of the same three values the table printed
    const lps = got.map((g) => g[1]);
    const lowest = lps.indexOf(Math.min(...lps));
    const median = [...lps].sort((a, b) => a - b)[1];
    const m = lines[6].match(/^median (-?[\d.]+) nats \(([\d.]+) bits\/dim\); lowest #(\d) at (-?[\d.]+) nats$/); // 3 examples: too few for the outlier sentence
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeCloseTo(median, 2);
    expect(Number(m![3])).toBe(lowest);
    expect(Number(m![4])).toBeCloseTo(lps[lowest], 2);

    const png = await logprobCli([path.join(root, 'maf-fmnist'), path.join(root, 'first.png'), '--seed', '5']);
    expect(png[0]).toMatch(/a 28x28 PNG \(gray\)/);
    expect(Number(png[2].trim().split(/\s+/)[1])).toBeCloseTo(got[0][1], 3); // the same first image, the same noise
  });

  test('logprob on JSON points and bad files', async () => {
    const lines = await logprobCli(['maf-moons', path.join(root, 'points.json'), '--models', root]);
    expect(lines[0]).toMatch(/^maf-moons on points.json: 2 JSON rows; log-density of data coordinates \(un-standardised\)/);
    expect(lines).toHaveLength(6);
    const two = [2, 3].map((k) => Number(lines[k].trim().split(/\s+/)[1]));
    const med = lines[5].match(/^median (-?[\d.]+) nats; lowest #(\d) at (-?[\d.]+) nats$/);
    expect(med).not.toBeNull();
    expect(Number(med![1])).toBeCloseTo((two[0] + two[1]) / 2, 3);
    expect(Number(med![2])).toBe(two[0] < two[1] ? 0 : 1);
    expect(Number(med![3])).toBeCloseTo(Math.min(...two), 3);
    await expect(logprobCli(['maf-fmnist', path.join(root, 'points.json'), '--models', root])).rejects.toThrow(/row 0 must be a list of 784 finite numbers/);
    await expect(logprobCli(['maf-moons', path.join(root, 'three.idx'), '--models', root])).rejects.toThrow(/IDX of shape \[3, 28, 28\], but the model takes rows of 2 values/);
    await expect(logprobCli(['maf-moons', path.join(root, 'first.png'), '--models', root])).rejects.toThrow(/a 28x28 PNG, but the model takes rows of 2 values, not images/);
    await expect(logprobCli(['cgan', path.join(root, 'points.json'), '--models', root])).rejects.toThrow(/is a GAN \(cgan\), not a flow: dgm logprob scores data under a flow; draw from it with dgm sample$/);
  });
});
