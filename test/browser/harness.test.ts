/**
 * @jest-environment ./test/export/ort-environment.js
 */
/**
 * The Chromium harness itself: the page is cross-origin isolated, Chromium has a WebGPU adapter, and the pinned
 * onnxruntime-web build loads from the server with threaded wasm.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser } from 'playwright-core';
import { ortWebDistDir } from '../../runtime/paths';
import { RunningServer, startServer } from '../../runtime/server';
import { stackGraph } from '../../export/graphs/stack-graph';
import { modelBytes } from '../../export/onnx/model';
import { maxAbsDiff, runOrt } from '../../export/ort';
import { Random } from '../../runtime/core/random';
import { Stack } from '../../training/nets/layers';
import { HARNESS_HTML, launchChromium, openHarnessPage, runRawInPage } from './chromium';

/** A small MLP with random weights, exported by the project's converter. */
function tinyMlp(): Uint8Array {
  const rng = new Random(3);
  const stack: Stack = [
    { kind: 'dense', name: 'a', inFeatures: 6, units: 16 },
    { kind: 'relu' },
    { kind: 'dense', name: 'b', inFeatures: 16, units: 4 },
    { kind: 'tanh' },
  ];
  const w = (shape: number[]) => ({ shape, data: rng.fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1)), 0, 0.5) });
  const weights = new Map([
    ['a.kernel', w([6, 16])],
    ['a.bias', w([16])],
    ['b.kernel', w([16, 4])],
    ['b.bias', w([4])],
  ]);
  return modelBytes(stackGraph({ model: 'tiny', stack, weights, inputShape: [6] }).model);
}

describe('Chromium harness', () => {
  let dir: string;
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dgm-harness-'));
    fs.writeFileSync(path.join(dir, 'harness.html'), HARNESS_HTML);
    fs.writeFileSync(path.join(dir, 'tiny.onnx'), tinyMlp());
    server = await startServer({
      roots: [
        { prefix: '/t/', dir },
        { prefix: '/ort/', dir: ortWebDistDir() },
      ],
      port: 0,
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('isolated page, WebGPU adapter, threaded onnxruntime-web', async () => {
    const { page, problems } = await openHarnessPage(browser, server.url + 't/harness.html');
    const info = await page.evaluate(async () => {
      const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
      const adapter = gpu ? await gpu.requestAdapter() : null;
      const ort = (window as unknown as { ort: { env: { versions: { web: string } } } }).ort;
      return { coi: crossOriginIsolated, adapter: adapter !== null, version: ort.env.versions.web };
    });
    expect(info).toEqual({ coi: true, adapter: true, version: '1.30.0' });
    expect(problems).toEqual([]);
    await page.close();
  });

  test('runs a model with the webgpu and wasm providers and returns outputs matching onnxruntime-node', async () => {
    const x = new Random(9).fillNormal(new Float32Array(5 * 6));
    const ref = (await runOrt(new Uint8Array(fs.readFileSync(path.join(dir, 'tiny.onnx'))), { x: { data: x, dims: [5, 6] } })).y;
    const { page, problems } = await openHarnessPage(browser, server.url + 't/harness.html');
    for (const ep of ['webgpu', 'wasm'] as const) {
      const { outputs } = await runRawInPage(page, '/t/tiny.onnx', { x: { type: 'float32', data: Array.from(x), dims: [5, 6] } }, ep, 2);
      expect(outputs.y.dims).toEqual([5, 4]);
      const err = maxAbsDiff(outputs.y.data, ref.data);
      console.log(`tiny MLP, Chromium ${ep} vs onnxruntime-node: max |diff| = ${err.toExponential(2)}`);
      expect(err).toBeLessThan(1e-5);
    }
    expect(problems).toEqual([]);
    await page.close();
  });
});
