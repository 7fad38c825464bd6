/**
 * @jest-environment ./test/export/ort-environment.js
 *
 * The runtime as an app developer meets it: `npm pack` of runtime/, the tarball installed into a temporary folder
 * with nothing but the npm registry (no tfjs, no repo), the Node example run from it, and the Vite example built,
 * served with COOP/COEP on 127.0.0.1 and loaded in Debian's Chromium. Both must give, for the same seed, the pixels
 * onnxruntime-node gives here through the repo's own runtime.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser } from 'playwright-core';
import { PNG } from 'pngjs';
import { GanSampler, listShippedModels } from '../../runtime/node';
import { labelledGrid } from '../../runtime/core/grid';
import { RunningServer, startServer } from '../../runtime/server';
import { launchChromium, watchConsole } from '../browser/chromium';
import { bundleSize, dirBytes, installExample, packRuntime, run, viteBuild } from '../../eval/bench/embedding';

const ROOT = path.resolve(__dirname, '..', '..');

const hasCgan = listShippedModels().some((m) => m.name === 'cgan');

(hasCgan ? describe : describe.skip)('examples from the packed dgm-runtime', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dgm-examples-'));
  let tarball: string;
  let reference: Float32Array;

  beforeAll(async () => {
    tarball = packRuntime(tmp);
    const gan = await GanSampler.load('cgan', { provider: 'cpu' });
    reference = (await gan.sample({ n: 100, seed: 1 })).images.data;
    await gan.release();
  }, 120_000);

  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('the tarball holds the compiled entries, their declarations and the shipped models, and no sources or tests', () => {
    const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).trim().split('\n').map((f) => f.replace(/^package\//, ''));
    for (const f of ['package.json', 'README.md', 'dist/esm/node.js', 'dist/esm/node.d.ts', 'dist/web.js', 'dist/web.d.ts', 'models/index.json', 'models/cgan/model.onnx', 'models/cgan/card.json']) expect(files).toContain(f);
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((f) => /server|app-server|web-build|paths|^app\//.test(f))).toEqual([]);
    expect(files.filter((f) => /discriminator/.test(f))).toEqual([]);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'runtime', 'package.json'), 'utf8'));
    expect(pkg.scripts?.install ?? pkg.scripts?.postinstall ?? pkg.scripts?.preinstall).toBeUndefined();
    expect(Object.keys(pkg.peerDependenciesMeta)).toEqual(['onnxruntime-node', 'onnxruntime-web']);
  });

  test('Node example: installs without tfjs, writes the class grid of seed 1 as onnxruntime-node gives it here', async () => {
    const dir = path.join(tmp, 'node');
    installExample('node', dir, tarball);
    const installed = fs.readdirSync(path.join(dir, 'node_modules'));
    expect(installed).toContain('dgm-runtime');
    expect(installed.filter((n) => n.startsWith('@tensorflow') || n === 'onnxruntime-web')).toEqual([]);
    const stdout = run(process.execPath, ['main.js', '--seed', '1', '--out', 'classes.png'], dir);
    expect(stdout).toMatch(/^classes\.png: 302x302, columns T-shirt\/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot \(seed 1, cpu\)$/m);
    expect(stdout).toMatch(/^log p\(0, 0\.5\) = -?\d+\.\d{4} nats$/m);
    // The same grid, drawn here from the reference samples, pixel for pixel.
    const png = PNG.sync.read(fs.readFileSync(path.join(dir, 'classes.png')));
    const labels = Int32Array.from({ length: 100 }, (_, i) => i % 10);
    const want = labelledGrid({ data: reference, n: 100, height: 28, width: 28, channels: 1, range: [-1, 1] }, labels, []);
    expect([png.width, png.height]).toEqual([want.width, want.height]);
    let differ = 0;
    for (let p = 0; p < want.data.length; p++) if (png.data[4 * p] !== want.data[p]) differ++;
    expect(differ).toBe(0);
    console.log(`node example: installed size without peers ${(dirBytes(path.join(dir, 'node_modules', 'dgm-runtime')) / 2 ** 20).toFixed(2)} MiB, tarball ${(fs.statSync(tarball).size / 2 ** 20).toFixed(2)} MiB`);
  }, 300_000);

  describe('Vite example in Chromium', () => {
    let server: RunningServer;
    let browser: Browser;
    const requests: string[] = [];
    const dir = path.join(tmp, 'vite');

    beforeAll(async () => {
      installExample('vite', dir, tarball);
      viteBuild(dir);
      server = await startServer({ roots: [{ prefix: '/', dir: path.join(dir, 'dist') }], index: '/index.html', port: 0, log: (l) => requests.push(l) });
      browser = await launchChromium();
    }, 300_000);

    afterAll(async () => {
      await browser?.close();
      await server?.close();
    });

    test('the bundle holds one copy of onnxruntime-web and its wasm once', () => {
      const assets = fs.readdirSync(path.join(dir, 'dist', 'assets'));
      expect(assets.filter((f) => f.endsWith('.wasm'))).toEqual(['ort-wasm-simd-threaded.jsep.wasm']);
      const size = bundleSize(path.join(dir, 'dist'));
      console.log(`vite example bundle: JS ${size.jsBytes} B (${size.jsGzipBytes} gzipped), wasm ${size.wasmBytes} B (${size.wasmGzipBytes} gzipped)`);
      const chunks = assets.filter((f) => f.endsWith('.js')).map((f) => fs.readFileSync(path.join(dir, 'dist', 'assets', f), 'utf8'));
      const ort = fs.readFileSync(path.join(dir, 'node_modules', 'onnxruntime-web', 'dist', 'ort.min.mjs'), 'utf8');
      // String literals survive minification: one from onnxruntime-web's own code, one from onnxruntime-common's.
      for (const marker of ['ort-wasm-simd-threaded.jsep.mjs', 'no available backend found']) {
        const count = (src: string) => src.split(marker).length - 1;
        expect(count(ort)).toBeGreaterThan(0);
        expect(chunks.reduce((n, src) => n + count(src), 0)).toBe(count(ort));
      }
    });

    async function openPage(query: string) {
      const page = await browser.newPage();
      const problems = watchConsole(page);
      await page.goto(`${server.url}index.html${query}`);
      await page.waitForFunction(() => ['done', 'error'].includes(document.getElementById('grid')?.dataset.state ?? ''), undefined, { timeout: 180_000 });
      const last = await page.evaluate(() => {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const l = (window as any).dgmLast;
        return { state: document.getElementById('grid')!.dataset.state, status: document.getElementById('status')!.textContent, samples: l ? Array.from(l.samples as Float32Array) : [], provider: l?.provider, note: l?.note };
      });
      return { page, problems, last };
    }

    const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
      let m = a.length === b.length ? 0 : Infinity;
      for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
      return m;
    };

    test('auto: wasm with 2 threads (the WebGPU adapter is software), same seed -> same samples as onnxruntime-node', async () => {
      const { page, problems, last } = await openPage('');
      expect(last.state).toBe('done');
      expect(last.provider).toBe('wasm');
      expect(last.note).toMatch(/^auto: the WebGPU adapter \(google swiftshader\) is software, slower than wasm; 2 threads$/);
      const diff = maxDiff(last.samples, reference);
      console.log(`vite example, Chromium wasm: max |diff| vs onnxruntime-node ${diff.toExponential(2)}`);
      expect(diff).toBeLessThanOrEqual(1e-5);
      // The model file was fetched once (card and session from the same bytes).
      expect(requests.filter((r) => r.includes('/models/cgan/model.onnx'))).toHaveLength(1);
      expect(problems.filter((p) => p.startsWith('[pageerror]') || p.startsWith('[error]'))).toEqual([]);
      await page.close();
    }, 240_000);

    test('WebGPU on SwiftShader when asked for by name: the same samples', async () => {
      const { page, last } = await openPage('?providers=webgpu');
      expect(last.state).toBe('done');
      expect(last.provider).toBe('webgpu');
      expect(last.note).toMatch(/^providers\[0\]; adapter google swiftshader, software$/);
      const diff = maxDiff(last.samples, reference);
      console.log(`vite example, Chromium WebGPU (SwiftShader): max |diff| vs onnxruntime-node ${diff.toExponential(2)}`);
      expect(diff).toBeLessThanOrEqual(1e-5);
      await page.close();
    }, 240_000);
  });
});
