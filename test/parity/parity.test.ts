/**
 * @jest-environment ./test/export/ort-environment.js
 *
 * Parity of every exported model across runtimes, on fixed inputs: tfjs (the training definitions, cpu backend)
 * vs onnxruntime-node vs onnxruntime-web's wasm provider in Node vs Debian Chromium with the WebGPU provider
 * (SwiftShader's adapter on this GPU-less machine) and with wasm. Every pair's max |difference| must stay within
 * 1e-4 for images and logits and 1e-3 nats for log-likelihoods (flow samples: 1e-3, coordinates of order 1).
 * The models are exported in the test from seeded random weights by the project's own pipeline. The table goes to
 * reports/parity.md and the log.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as fs from 'fs';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { latentNoise } from '../../runtime/core/noise';
import { Random } from '../../runtime/core/random';
import { ortWebDistDir, projectRoot } from '../../runtime/paths';
import { RunningServer, startServer } from '../../runtime/server';
import { ensureWebBuild } from '../../runtime/web-build';
import { writeFileAtomic } from '../../training/harness/atomic-write';
import { discriminate, generate } from '../../training/nets/gan-nets';
import { mafLogProb, mafSample } from '../../training/nets/maf';
import { launchChromium, openHarnessPage, RUNTIME_HARNESS_HTML } from '../browser/chromium';
import { exportGan, exportMaf, tmpDir, useTfCpu } from '../runtime/fixtures';
import { JobResult, ParityJob, runInPage, runOnNode, runOnWebInNode } from './runtimes';
import { pairErrors, parityMarkdown, ParityRow, RuntimeName } from './table';

export const PARITY_REPORT = path.join(projectRoot(), 'reports', 'parity.md');

const TOL = { image: 1e-4, logit: 1e-4, logProb: 1e-3, sample: 1e-3 };

interface Case {
  model: string;
  output: string;
  inputs: string;
  tolerance: number;
  unit: string;
  job: ParityJob;
  tfjs: Float32Array;
}

const toRows = (flat: Float32Array, d: number) => Array.from({ length: flat.length / d }, (_, i) => Array.from(flat.subarray(i * d, (i + 1) * d)));

async function ganCases(root: string, name: string, cfg: Parameters<typeof exportGan>[2], seed: number): Promise<Case[]> {
  const fx = await exportGan(root, name, cfg, seed);
  try {
    const n = 8;
    const k = fx.def.config.numClasses;
    const dimZ = fx.def.config.dimZ;
    const labels = k > 0 ? Array.from({ length: n }, (_, i) => i % k) : undefined;
    const images = tf.tidy(() => generate(fx.def, fx.gen, tf.tensor2d(latentNoise(1, n, dimZ), [n, dimZ]), labels ? tf.tensor1d(labels, 'int32') : null, { training: false }).dataSync() as Float32Array);
    // The discriminator on the generated images (one channel: NHWC and NCHW are the same bytes).
    const logits = tf.tidy(() => discriminate(fx.def, fx.disc, tf.tensor4d(images, [n, 28, 28, 1]), labels ? tf.tensor1d(labels, 'int32') : null).dataSync() as Float32Array);
    const feeds = { x: { type: 'float32' as const, data: Array.from(images), dims: [n, 1, 28, 28] }, ...(labels ? { label: { type: 'int64' as const, data: labels, dims: [n] } } : {}) };
    return [
      { model: name, output: `images [${n}, 28, 28, 1]`, inputs: `seed 1 latent noise${labels ? `, labels ${labels.join(',')}` : ''}`, tolerance: TOL.image, unit: '', job: { kind: 'gan', model: fx.dir, n, seed: 1, labels }, tfjs: images },
      { model: name, output: `discriminator logits [${n}]`, inputs: 'the tfjs generated images', tolerance: TOL.logit, unit: '', job: { kind: 'raw', model: fx.dir, file: 'discriminator.onnx', output: 'logit', feeds }, tfjs: logits },
    ];
  } finally {
    fx.dispose();
  }
}

async function mafCases(root: string, name: string, cfg: Parameters<typeof exportMaf>[2], data: Parameters<typeof exportMaf>[3], nSample: number): Promise<Case[]> {
  const fx = await exportMaf(root, name, cfg, data);
  try {
    const d = cfg.inputSize;
    const own = tf.tidy(() => mafSample(fx.def, fx.params, 8, 3).dataSync() as Float32Array);
    const rows = new Float32Array(16 * d);
    rows.set(own);
    new Random(4).fillNormal(rows.subarray(8 * d));
    const lp = tf.tidy(() => mafLogProb(fx.def, fx.params, tf.tensor2d(rows, [16, d])).dataSync() as Float32Array);
    const xs = tf.tidy(() => mafSample(fx.def, fx.params, nSample, 5).dataSync() as Float32Array);
    return [
      { model: name, output: 'log_prob [16]', inputs: '8 of the model\'s samples + 8 x ~ N(0, I)', tolerance: TOL.logProb, unit: 'nats', job: { kind: 'flow-logprob', model: fx.dir, rows: toRows(rows, d) }, tfjs: lp },
      { model: name, output: `samples [${nSample}, ${d}]`, inputs: 'seed 5 latent noise', tolerance: TOL.sample, unit: '', job: { kind: 'flow-sample', model: fx.dir, n: nSample, seed: 5 }, tfjs: xs },
    ];
  } finally {
    fx.dispose();
  }
}

describe('parity across runtimes', () => {
  const root = tmpDir('parity');
  let cases: Case[] = [];
  let server: RunningServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    await useTfCpu();
    cases = [
      ...(await ganCases(root, 'cgan', { numClasses: 10, head: 'projection' }, 1)),
      ...(await ganCases(root, 'gan', { outputTanh: true }, 2)),
      ...(await mafCases(root, 'maf-moons', { inputSize: 2, hiddenSize: 16, nHidden: 1, nFlows: 3 }, { space: 'standardized', details: { dataset: 'moons', mean: [0.5, 0.25], std: [0.87, 0.5] } }, 8)),
      // An image flow at 8x8: sampling is D sequential passes in tfjs (~1 s here at D = 64, over a minute at 784) and
      // D Loop iterations per flow on SwiftShader's WebGPU; the exported Loop graph is the same at every D.
      ...(await mafCases(root, 'maf-image', { inputSize: 64, hiddenSize: 32, nHidden: 1, nFlows: 2 }, { space: 'logit', details: { dataset: 'fashion-mnist (8x8 fixture)', lambda: 1e-6, image: { channels: 1, height: 8, width: 8 } } }, 2)),
    ];
    const build = ensureWebBuild();
    fs.writeFileSync(path.join(root, 'harness.html'), RUNTIME_HARNESS_HTML);
    server = await startServer({
      roots: [
        { prefix: '/fx/', dir: root },
        { prefix: '/js/', dir: build.dir },
        { prefix: '/ort/', dir: ortWebDistDir() },
      ],
      port: 0,
    });
    browser = await launchChromium();
    page = (await openHarnessPage(browser, server.url + 'fx/harness.html')).page;
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('every pair of runtimes agrees within the bounds', async () => {
    const results: Record<Exclude<RuntimeName, 'tfjs'>, JobResult[]> = { 'ort-node': [], 'ort-web-node': [], 'chromium-webgpu': [], 'chromium-wasm': [] };
    const timings: string[] = [];
    const timed = async <T>(label: string, f: () => Promise<T> | T): Promise<T> => {
      const t0 = Date.now();
      const r = await f();
      timings.push(`${label} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      return r;
    };
    const url = (dir: string) => `/fx/${path.basename(dir)}/model.onnx`;
    await timed('ort-node', async () => {
      for (const c of cases) results['ort-node'].push(await runOnNode(c.job));
    });
    results['ort-web-node'] = await timed('ort-web-node', () => runOnWebInNode(ensureWebBuild().entry, cases.map((c) => c.job)));
    const perCase: string[] = [];
    for (const ep of ['webgpu', 'wasm'] as const) {
      await timed(`chromium-${ep}`, async () => {
        for (const c of cases) {
          const t0 = Date.now();
          results[`chromium-${ep}`].push(await runInPage(page, c.job, ep, url));
          if (ep === 'webgpu') perCase.push(`${c.model} ${c.output.split(' [')[0]} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        }
      });
    }

    // Each runtime ran on the provider it was asked for.
    expect(results['chromium-webgpu'].map((r) => r.provider)).toEqual(cases.map(() => 'webgpu'));
    expect(results['chromium-wasm'].map((r) => r.provider)).toEqual(cases.map(() => 'wasm'));
    expect(results['ort-web-node'].map((r) => r.provider)).toEqual(cases.map(() => 'wasm'));

    const rows: ParityRow[] = cases.map((c, i) => ({
      model: c.model,
      output: c.output,
      inputs: c.inputs,
      tolerance: c.tolerance,
      unit: c.unit,
      results: {
        tfjs: c.tfjs,
        'ort-node': results['ort-node'][i].data,
        'ort-web-node': results['ort-web-node'][i].data,
        'chromium-webgpu': results['chromium-webgpu'][i].data,
        'chromium-wasm': results['chromium-wasm'][i].data,
      },
    }));
    const table = parityMarkdown(rows);
    const timeText = `Time per runtime (this run, a shared 2-core machine; includes loading each model): ${timings.join(', ')}.\nChromium WebGPU per case: ${perCase.join(', ')}.`;
    writeFileAtomic(PARITY_REPORT, `# Parity across runtimes (test/parity, models exported from seeded random weights)\n\n${table}\n${timeText}\n`);
    console.log(`parity (also in ${path.relative(process.cwd(), PARITY_REPORT)}):\n${table}\n${timeText}`);

    for (const row of rows) for (const r of Object.values(row.results)) expect(r!.length).toBe(row.results.tfjs!.length);
    const failures = rows.flatMap((row) => pairErrors(row).filter((p) => !(p.err <= row.tolerance)).map((p) => `${row.model} ${row.output}: ${p.a} vs ${p.b} ${p.err} > ${row.tolerance}`));
    expect(failures).toEqual([]);
  }, 900_000);
});
