/**
 * @jest-environment ./test/export/ort-environment.js
 *
 * The training page (/train/train.html, training/browser/) in Debian Chromium: the moons flow trains a few steps in
 * the page with a fixed seed (on WebGPU, SwiftShader here; and on wasm), its loss curve and samples are drawn while
 * it trains, then the page exports it to ONNX with the project's exporter and samples the files with
 * onnxruntime-web. The page's training is `dgm train maf-moons`'s: for the same seed and steps its weights are the
 * CLI's bit for bit on the cpu backend (within float32 rounding on wasm and webgpu). The test takes the page's files
 * and weights out and checks them against `dgm export`:
 *  1. the page's weights go into a run folder as a real checkpoint (with the page's metrics as metrics.jsonl), and
 *     the built CLI exports it (`dgm export <run> --backend cpu`);
 *  2. both .onnx files have the same graph and weights bytes (the card's sha256 of each file without its
 *     metadata_props, and the model id), and the cards differ only in the facts each side measured or records
 *     about where it ran (listed in ALLOWED_CARD_DIFFS);
 *  3. given the page's card facts, Node's assembleModel (what `dgm export` writes through) produces the page's
 *     three files byte for byte;
 *  4. the page's onnxruntime-web samples of its files match onnxruntime-node's samples of the CLI's files.
 * A screenshot goes to reports/screenshots/train-page.png.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { startAppServer } from '../../runtime/app-server';
import { projectRoot } from '../../runtime/paths';
import { RunningServer } from '../../runtime/server';
import { Flow } from '../../runtime/node';
import { contentSha256 } from '../../runtime/core/integrity';
import { readCheckpoint, writeCheckpoint } from '../../training/harness/checkpoint';
import { STREAM_INIT } from '../../training/harness/loop';
import { initMafParams } from '../../families/maf/maf';
import { mafDefinitionFromRunConfig } from '../../families/maf/maf-common';
import { Random } from '../../runtime/core/random';
import { trainPageExtension } from '../../training/browser/serve';
import { PAGE_STREAM_INIT, pageMafJob, type TrainedMaf } from '../../training/browser/maf-page-job';
import { assembleModel } from '../../export/assemble-model';
import type { ModelCard } from '../../export/card';
import { nodeSha256 } from '../../export/node-sha256';
import { launchChromium, watchConsole } from './chromium';

const ROOT = projectRoot();
export const TRAIN_SCREENSHOT = path.join(ROOT, 'reports', 'screenshots', 'train-page.png');

/**
 * Card fields that legitimately differ between the page's export and `dgm export` of the same weights: where the
 * weights were read from, which onnxruntime ran the parity checks and what it measured, whether the ONNX checker
 * (python3-onnx) ran, the time of export, and so the files' sizes (the card is inside them).
 */
const ALLOWED_CARD_DIFFS = [/^files\.\d+\.bytes$/, /^training\.run$/, /^training\.checkpoint$/, /^parity\.runtime$/, /^parity\.checks\.\d+\.(maxAbsError|withinTolerance|worst.*)$/, /^checker\./, /^export\.exportedAt$/];

/** The CLI the test runs is the built one (bin/dgm.js -> dist/): rebuild it when a source is newer. */
function ensureBuiltCli(): void {
  const main = path.join(ROOT, 'dist', 'cli', 'main.js');
  let newest = 0;
  const walk = (d: string) => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  for (const d of ['cli', 'training', 'export', 'runtime', 'families']) walk(path.join(ROOT, d));
  if (fs.existsSync(main) && fs.statSync(main).mtimeMs >= newest) return;
  const r = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.json')], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tsc failed:\n${r.stdout}${r.stderr}`);
}

/** Paths (a.b.0.c) where two JSON values differ. */
function jsonDiffs(a: unknown, b: unknown, at = ''): string[] {
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
    return [...keys].flatMap((k) => jsonDiffs((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], at ? `${at}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [at];
}

interface PageExport {
  files: Record<string, number[]>;
  trained: { name: string; config: TrainedMaf['config']; tensors: { name: string; shape: number[]; data: number[] }[]; training: ModelCard['training'] };
  records: Record<string, unknown>[];
  onnxSamples: number[];
  initTensors: { name: string; data: number[] }[];
}

async function trainAndExport(page: Page, backend: 'webgpu' | 'wasm', seed: number, steps: number, every: number): Promise<PageExport> {
  await page.selectOption('#train-backend', backend);
  await page.fill('#train-seed', String(seed));
  await page.fill('#train-steps', String(steps));
  await page.fill('#train-every', String(every));
  await page.click('#train-run');
  await page.waitForFunction(() => ['done', 'error'].includes(document.getElementById('train-loss')!.dataset.state!), undefined, { timeout: 240000 });
  expect(await page.textContent('#train-status')).toMatch(new RegExp(`^trained ${steps} steps on ${backend}`));
  await page.click('#export-run');
  await page.waitForFunction(() => ['done', 'error'].includes(document.getElementById('onnx-samples')!.dataset.state!) || document.getElementById('export-status')!.dataset.state === 'error', undefined, { timeout: 240000 });
  expect(await page.textContent('#export-status')).toMatch(/^exported /);
  expect(await page.getAttribute('#onnx-samples', 'data-state')).toBe('done');
  return page.evaluate(() => {
    const p = (window as unknown as { dgmTrainPage: { exported: { files: Record<string, Uint8Array> }; trained: { name: string; config: unknown; tensors: { name: string; shape: number[]; data: Float32Array }[]; training: unknown }; run: { records: unknown[] }; onnxSamples: Float32Array; initTensors: { name: string; data: Float32Array }[] } }).dgmTrainPage;
    return {
      files: Object.fromEntries(Object.entries(p.exported.files).map(([k, v]) => [k, Array.from(v)])),
      trained: { ...p.trained, tensors: p.trained.tensors.map((t) => ({ name: t.name, shape: t.shape, data: Array.from(t.data) })) },
      records: p.run.records,
      onnxSamples: Array.from(p.onnxSamples),
      initTensors: p.initTensors.map((t) => ({ name: t.name, data: Array.from(t.data) })),
    } as unknown as PageExport;
  });
}

/** Non-white pixels of a canvas (what was drawn on it). */
async function inkedPixels(page: Page, id: string, background: [number, number, number] | null): Promise<number> {
  return page.evaluate(
    ({ id, bg }) => {
      const c = document.getElementById(id) as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (bg ? d[i] !== bg[0] || d[i + 1] !== bg[1] || d[i + 2] !== bg[2] : d[i + 3] !== 0) n++;
      return n;
    },
    { id, bg: background },
  );
}

describe('training page', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dgm-train-page-'));
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    ensureBuiltCli();
    await tf.setBackend('cpu');
    fs.mkdirSync(path.join(root, 'models'));
    server = await startAppServer({ modelsDir: path.join(root, 'models'), port: 0, log: () => {}, extensions: [await trainPageExtension()] });
    browser = await launchChromium();
  }, 300000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('the page keeps the harness init stream', () => {
    expect(PAGE_STREAM_INIT).toBe(STREAM_INIT);
  });

  test('the bundle takes the browser twins and none of the Node-only modules', () => {
    const meta = JSON.parse(fs.readFileSync(path.join(ROOT, 'dist', 'train-page', 'meta.json'), 'utf8')) as { inputs: Record<string, { imports: { path: string }[] }> };
    const ours = Object.keys(meta.inputs).filter((f) => !f.includes('node_modules/') && !f.startsWith('('));
    expect(ours).toEqual(expect.arrayContaining(['export/ort.browser.ts', 'export/onnx/onnx-schema.browser.ts', 'export/assemble-model.ts', 'families/maf/maf-job.ts', 'training/browser/train-page.ts']));
    for (const nodeOnly of ['export/ort.ts', 'export/onnx/onnx-schema.ts', 'export/export-model.ts', 'export/node-sha256.ts', 'export/onnx-checker.ts', 'training/backend.ts', 'training/harness/loop.ts']) expect(ours).not.toContain(nodeOnly);
    expect(Object.keys(meta.inputs).some((f) => f.includes('onnxruntime-node'))).toBe(false);
    // Node built-ins appear only where a package's own "browser" field turns them off, never imported by our code.
    const builtins = new Set(['fs', 'path', 'os', 'crypto', 'child_process', 'url', 'module', 'worker_threads', 'util']);
    const offenders = ours.filter((f) => meta.inputs[f].imports.some((i) => builtins.has(i.path.replace(/^\(disabled\):/, '').replace(/^node:/, ''))));
    expect(offenders).toEqual([]);
  });

  test('the page trains as dgm train maf-moons does: the same seed gives the same weights', async () => {
    const seed = 7;
    const steps = 10;
    const runDir = path.join(root, 'runs-node', 'maf-moons');
    const r = spawnSync(process.execPath, ['bin/dgm.js', 'train', 'maf-moons', '--steps', String(steps), '--seed', String(seed), '--backend', 'cpu', '--run-dir', runDir, '--fresh', '--progress', 'lines'], { cwd: ROOT, encoding: 'utf8', timeout: 240000 });
    expect(`${r.status} ${r.stderr}`).toMatch(/^0 /);
    const node = readCheckpoint(path.join(runDir, 'checkpoint.ckpt'));
    const page = await browser.newPage();
    await page.goto(`${server.url}train/train.html`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 60000 });
    const diffs: Record<string, number> = {};
    for (const backend of ['cpu', 'wasm', 'webgpu'] as const) {
      await page.selectOption('#train-backend', backend);
      await page.fill('#train-seed', String(seed));
      await page.fill('#train-steps', String(steps));
      await page.fill('#train-every', '5');
      await page.click('#train-run');
      await page.waitForFunction(() => ['done', 'error'].includes(document.getElementById('train-loss')!.dataset.state!), undefined, { timeout: 240000 });
      expect(await page.textContent('#train-status')).toMatch(new RegExp(`^trained ${steps} steps on ${backend}`));
      const tensors = await page.evaluate(() => (window as unknown as { dgmTrainPage: { trained: { tensors: { name: string; data: Float32Array }[] } } }).dgmTrainPage.trained.tensors.map((t) => ({ name: t.name, data: Array.from(t.data) })));
      expect(tensors.map((t) => t.name)).toEqual(node.tensors.filter((t) => !t.name.startsWith('opt/')).map((t) => t.name));
      let max = 0;
      for (const t of tensors) {
        const want = node.tensors.find((x) => x.name === t.name)!.data;
        for (let i = 0; i < want.length; i++) max = Math.max(max, Math.abs(t.data[i] - want[i]));
      }
      diffs[backend] = max;
    }
    console.log(`page vs dgm train maf-moons --backend cpu, ${steps} steps, seed ${seed}: max |weight diff| cpu ${diffs.cpu}, wasm ${diffs.wasm.toExponential(2)}, webgpu ${diffs.webgpu.toExponential(2)}`);
    // tfjs's cpu backend is plain JavaScript: the page's loop and the harness's give the very same floats.
    expect(diffs.cpu).toBe(0);
    expect(diffs.wasm).toBeLessThan(1e-5);
    expect(diffs.webgpu).toBeLessThan(1e-5);
    await page.close();
  }, 600000);

  // SwiftShader's WebGPU is far slower than wasm, so it trains fewer steps.
  for (const [backend, steps, every] of [['webgpu', 16, 4], ['wasm', 40, 10]] as const) {
    test(`trains on ${backend} in the page, exports there: the same bytes as dgm export`, async () => {
      const page = await browser.newPage({ viewport: { width: 1200, height: 1300 } });
      const problems = watchConsole(page);
      await page.goto(`${server.url}train/train.html`);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 60000 });
      const seed = 7;
      const out = await trainAndExport(page, backend, seed, steps, every);

      // The loss curve: one point per `every` steps, drawn by Vega with the metric on its axis; samples were redrawn.
      expect(await page.getAttribute('#train-loss', 'data-points')).toBe(String(steps / every));
      expect(await page.textContent('#train-loss svg')).toContain('nll');
      expect(Number(await page.getAttribute('#train-samples', 'data-drawn'))).toBeGreaterThanOrEqual(steps / every + 1);
      expect(await inkedPixels(page, 'train-samples', [255, 255, 255])).toBeGreaterThan(2000);
      const nll = out.records.filter((r) => r.type === 'train').map((r) => r.nll as number);
      expect(nll.length).toBe(steps / every);
      expect(nll[nll.length - 1]).toBeLessThan(nll[0]);
      // Training moved the weights away from the seeded init.
      const init = initMafParams(mafDefinitionFromRunConfig(out.trained.config), new Random(seed, STREAM_INIT));
      const firstInit = out.initTensors[0];
      expect(Array.from((await init.get(firstInit.name)!.data()) as Float32Array)).toEqual(firstInit.data.map((v) => Math.fround(v)));
      init.forEach((v) => v.dispose());
      const moved = out.trained.tensors.find((t) => t.name === firstInit.name)!.data.some((v, i) => v !== firstInit.data[i]);
      expect(moved).toBe(true);

      const pageFiles = Object.fromEntries(Object.entries(out.files).map(([k, v]) => [k, Uint8Array.from(v)]));
      const pageCard = JSON.parse(Buffer.from(pageFiles['card.json']).toString('utf8')) as ModelCard;
      const tensors = out.trained.tensors.map((t) => ({ name: t.name, shape: t.shape, data: Float32Array.from(t.data) }));

      // 1. The page's weights as a run, exported by the CLI.
      // (the run folder's name is the model's name, which the graphs carry: the page's)
      const runDir = path.join(root, `runs-${backend}`, out.trained.name);
      fs.mkdirSync(runDir, { recursive: true });
      writeCheckpoint(path.join(runDir, 'checkpoint.ckpt'), {
        kind: 'maf',
        config: out.trained.config,
        step: out.trained.training.step,
        epoch: out.trained.training.epoch,
        tensors,
        rng: new Random(seed).getState(),
        meta: out.trained.training.meta ?? {},
      });
      fs.writeFileSync(path.join(runDir, 'metrics.jsonl'), out.records.map((r) => JSON.stringify(r)).join('\n') + '\n');
      const modelsOut = path.join(root, `models-cli-${backend}`);
      const cli = spawnSync(process.execPath, ['bin/dgm.js', 'export', runDir, '--out', modelsOut, '--backend', 'cpu'], { cwd: ROOT, encoding: 'utf8', timeout: 240000 });
      expect(`${cli.status} ${cli.stderr}`).toMatch(/^0 /);
      const cliDir = path.join(modelsOut, path.basename(runDir));
      const cliCard = JSON.parse(fs.readFileSync(path.join(cliDir, 'card.json'), 'utf8')) as ModelCard;

      // 2. Same graphs and weights; the cards differ only where each side records its own facts.
      expect(Object.keys(pageFiles).sort()).toEqual(['card.json', 'model.onnx', 'sample.onnx']);
      for (const f of ['model.onnx', 'sample.onnx']) {
        const cliBytes = new Uint8Array(fs.readFileSync(path.join(cliDir, f)));
        expect(await contentSha256(pageFiles[f], nodeSha256)).toBe(await contentSha256(cliBytes, nodeSha256));
      }
      expect(pageCard.files.map((f) => f.sha256)).toEqual(cliCard.files.map((f) => f.sha256));
      expect(pageCard.id).toBe(cliCard.id);
      const diffs = jsonDiffs(pageCard, cliCard);
      const unexpected = diffs.filter((d) => !ALLOWED_CARD_DIFFS.some((re) => re.test(d)));
      expect(unexpected).toEqual([]);
      expect(pageCard.parity.runtime).toMatch(/^onnxruntime-web /);
      expect(cliCard.parity.runtime).toMatch(/^onnxruntime-node /);
      const parityRows = pageCard.parity.checks.map((c, i) => `${c.file} ${c.output} (${c.inputs}): page ${c.maxAbsError.toExponential(2)}, node ${cliCard.parity.checks[i].maxAbsError.toExponential(2)}, tolerance ${c.tolerance}`);
      console.log(`${backend}: card fields that differ: ${diffs.join(', ') || 'none'}\n${parityRows.join('\n')}`);

      // 3. Given the page's card facts, Node writes the page's bytes.
      await tf.setBackend('cpu');
      const trained: TrainedMaf = { name: out.trained.name, config: out.trained.config, tensors, training: pageCard.training };
      const def = mafDefinitionFromRunConfig(trained.config);
      const params = initMafParams(def, new Random(0));
      for (const t of tensors) params.get(t.name)!.assign(tf.tensor(t.data, t.shape));
      try {
        const { job } = pageMafJob(trained, params, { reference: pageCard.parity.reference });
        const node = await assembleModel(
          { ...job, parity: async () => pageCard.parity.checks },
          { runtime: pageCard.parity.runtime, checker: () => pageCard.checker, export: pageCard.export, sha256: nodeSha256 },
        );
        for (const f of Object.keys(pageFiles)) {
          const b = typeof node.files[f] === 'string' ? new Uint8Array(Buffer.from(node.files[f] as string, 'utf8')) : (node.files[f] as Uint8Array);
          expect({ f, equal: Buffer.compare(Buffer.from(b), Buffer.from(pageFiles[f])) === 0, bytes: b.length }).toEqual({ f, equal: true, bytes: pageFiles[f].length });
        }
      } finally {
        params.forEach((v) => v.dispose());
      }

      // 4. The page's onnxruntime-web samples of its files = onnxruntime-node's samples of the CLI's files.
      const flow = await Flow.load(path.join(cliDir, 'model.onnx'));
      try {
        const s = await flow.sample({ n: 1000, seed: 1 });
        let maxDiff = 0;
        for (let i = 0; i < s.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(s.data[i] - out.onnxSamples[i]));
        console.log(`${backend}: 1000 samples, onnxruntime-web in the page vs onnxruntime-node: max |diff| ${maxDiff.toExponential(2)}`);
        expect(out.onnxSamples.length).toBe(s.data.length);
        expect(maxDiff).toBeLessThan(1e-4);
      } finally {
        await flow.release();
      }
      expect(problems.filter((l) => l.startsWith('[pageerror]'))).toEqual([]);
      // Last: the screenshot is a tracked file, and the card records whether the tree was dirty at each export.
      if (backend === 'wasm') {
        fs.mkdirSync(path.dirname(TRAIN_SCREENSHOT), { recursive: true });
        await page.screenshot({ path: TRAIN_SCREENSHOT, fullPage: true });
      }
      await page.close();
    }, 600000);
  }
});
