/**
 * @jest-environment ./test/export/ort-environment.js
 *
 * End to end: `dgm serve`'s app in Debian Chromium (playwright-core) on models exported by the project's pipeline.
 * Samples appear, the class picker changes the grid, the moons map is drawn, and a test image and a drawing get a
 * log-likelihood; the same page runs RealNVP cards (chosen in the URL). The page runs with the provider it picks itself (wasm here: SwiftShader's WebGPU adapter is software).
 * Saves a screenshot to reports/screenshots/app.png.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { fashionMnistTestImages } from '../../cli/commands/serve';
import { startAppServer } from '../../runtime/app-server';
import { ORT_WEB_BUILD, projectRoot } from '../../runtime/paths';
import { RunningServer } from '../../runtime/server';
import { exportGan, exportMaf, tmpDir, useTfCpu } from '../runtime/fixtures';
import { exportRealNvp } from '../families/realnvp-fixture';
import { launchChromium, watchConsole } from './chromium';

export const SCREENSHOT = path.join(projectRoot(), 'reports', 'screenshots', 'app.png');

/** A hash of a canvas's pixels, to tell two grids apart. */
async function canvasDigest(page: Page, id: string): Promise<string> {
  return page.evaluate((id) => (document.getElementById(id) as HTMLCanvasElement).toDataURL(), id);
}

async function waitState(page: Page, id: string, state: string, timeout = 120000): Promise<void> {
  await page.waitForFunction(({ id, state }) => document.getElementById(id)?.dataset.state === state, { id, state }, { timeout });
}

describe('browser app', () => {
  const models = tmpDir('app');
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    await useTfCpu();
    const gan = await exportGan(models, 'cgan', { numClasses: 10, head: 'projection' });
    gan.dispose();
    const moons = await exportMaf(models, 'maf-moons', { inputSize: 2, hiddenSize: 16, nHidden: 1, nFlows: 3 }, { space: 'standardized', details: { dataset: 'moons', mean: [0.5, 0.25], std: [0.87, 0.5] } });
    moons.dispose();
    const fm = await exportMaf(models, 'maf-fmnist', { inputSize: 784, hiddenSize: 16, nHidden: 1, nFlows: 1 }, { space: 'logit of dequantised pixels', details: { dataset: 'fashion-mnist', lambda: 1e-6 } });
    fm.dispose();
    // The RealNVP family's cards: the page has no code of its own for them (it asks the card's type and shape).
    const rMoons = await exportRealNvp(models, 'realnvp-moons', { inputSize: 2, couplings: 4, hidden: 8, nHidden: 2, logScaleBound: 2, firstMask: 'identity' }, { space: 'standardized', details: { dataset: 'moons', mean: [0.5, 0.25], std: [0.87, 0.5] } });
    rMoons.dispose();
    const rFm = await exportRealNvp(models, 'realnvp-fmnist', { inputSize: 784, couplings: 2, hidden: 16, nHidden: 1, logScaleBound: 2, firstMask: 'checkerboard', image: { height: 28, width: 28 }, shuffle: true }, { space: 'logit of dequantised pixels', details: { dataset: 'fashion-mnist', lambda: 1e-6 } });
    rFm.dispose();
    server = await startAppServer({ modelsDir: models, port: 0, testImages: fashionMnistTestImages, log: () => {} });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    fs.rmSync(models, { recursive: true, force: true });
  });

  test('the page pins the same onnxruntime-web build as the tests', () => {
    const html = fs.readFileSync(path.join(projectRoot(), 'runtime', 'app', 'index.html'), 'utf8');
    expect(html).toContain(`{ "imports": { "onnxruntime-web": "/ort/${ORT_WEB_BUILD}" } }`);
  });

  test('samples, class picker, density map and log-likelihoods', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const problems = watchConsole(page);
    await page.goto(server.url);
    await page.waitForFunction(() => document.body.dataset.ready !== undefined, undefined, { timeout: 240000 });
    expect(await page.evaluate(() => document.body.dataset.ready)).toBe('true');

    // GAN: a grid of 50 samples, all classes, on the provider the page chose.
    await waitState(page, 'gan-grid', 'done');
    const size = await page.evaluate(() => {
      const c = document.getElementById('gan-grid') as HTMLCanvasElement;
      return [c.width, c.height];
    });
    expect(size).toEqual([10 * 29 + 1, 5 * 29 + 1]); // 10 columns (one per class) x 5 rows of 28 px, 1 px gaps
    expect(await page.textContent('#gan-time')).toMatch(/^50 samples in [\d.]+ ms on wasm \(auto: the WebGPU adapter \(google swiftshader\) is software, slower than wasm; \d threads\)$/);
    const all = await canvasDigest(page, 'gan-grid');

    // The class picker changes the grid.
    await page.selectOption('#gan-class', '3');
    await page.waitForFunction(() => document.getElementById('gan-grid')?.dataset.label === '3');
    await waitState(page, 'gan-grid', 'done');
    const three = await canvasDigest(page, 'gan-grid');
    expect(three).not.toBe(all);
    await page.selectOption('#gan-class', '7');
    await page.waitForFunction(() => document.getElementById('gan-grid')?.dataset.label === '7');
    await waitState(page, 'gan-grid', 'done');
    expect(await canvasDigest(page, 'gan-grid')).not.toBe(three);

    // Moons: heat map with samples.
    await waitState(page, 'moons-map', 'done');
    expect(await page.textContent('#moons-time')).toMatch(/density on 96x64 points in .* 500 samples in .* on wasm \(auto: /);

    // Fashion-MNIST flow: a test image, then a drawing.
    await page.waitForSelector('#fmnist-tests canvas');
    await page.click('#fmnist-tests canvas[data-index="0"]');
    await waitState(page, 'fmnist-result', 'done');
    const scored = await page.textContent('#fmnist-result');
    expect(scored).toMatch(/^test image 0 \(Ankle boot\): log p = -?[\d.]+ nats, [\d.]+ bits\/dim$/);
    await page.locator('#fmnist-draw').scrollIntoViewIfNeeded();
    const box = (await page.locator('#fmnist-draw').boundingBox())!;
    await page.mouse.move(box.x + 60, box.y + 40);
    await page.mouse.down();
    await page.mouse.move(box.x + 100, box.y + 150, { steps: 8 });
    await page.mouse.up();
    await page.waitForFunction(() => document.getElementById('fmnist-result')?.textContent?.startsWith('your drawing'));
    await waitState(page, 'fmnist-result', 'done');
    expect(await page.textContent('#fmnist-result')).toMatch(/^your drawing: log p = -?[\d.]+ nats, [\d.]+ bits\/dim$/);

    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(problems.filter((p) => p.startsWith('[pageerror]') || p.startsWith('[error]'))).toEqual([]);
    await page.close();
  });

  test('RealNVP cards in the flow sections (?moons=, ?image=)', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const problems = watchConsole(page);
    await page.goto(`${server.url}?moons=realnvp-moons&image=realnvp-fmnist`);
    await page.waitForFunction(() => document.body.dataset.ready !== undefined, undefined, { timeout: 240000 });
    expect(await page.evaluate(() => document.body.dataset.ready)).toBe('true');

    await waitState(page, 'moons-map', 'done');
    expect(await page.textContent('#moons-model')).toMatch(/^realnvp-moons: RealNVP \(4 affine couplings, D = 2\)/);
    expect(await page.textContent('#moons-time')).toMatch(/density on 96x64 points in .* 500 samples in .* on wasm \(auto: /);
    const before = await canvasDigest(page, 'moons-map');
    await page.fill('#moons-seed', '5');
    await page.dispatchEvent('#moons-seed', 'change');
    await page.waitForFunction((d) => document.getElementById('moons-map')?.dataset.state === 'done' && (document.getElementById('moons-map') as HTMLCanvasElement).toDataURL() !== d, before, { timeout: 120000 });

    expect(await page.textContent('#fmnist-model')).toMatch(/^realnvp-fmnist: RealNVP \(2 affine couplings, D = 784\)/);
    await page.waitForSelector('#fmnist-tests canvas');
    await page.click('#fmnist-tests canvas[data-index="1"]');
    await waitState(page, 'fmnist-result', 'done');
    expect(await page.textContent('#fmnist-result')).toMatch(/^test image 1 \(\w[\w/ -]*\): log p = -?[\d.]+ nats, [\d.]+ bits\/dim$/);
    expect(problems.filter((p) => p.startsWith('[pageerror]') || p.startsWith('[error]'))).toEqual([]);
    await page.close();
  });
});
