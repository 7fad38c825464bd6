/**
 * Debian's Chromium driven by playwright-core, for the parity suite and the page test.
 *
 * Flags (measured, /work/shared/notes/onnxruntime-web-in-chromium.md): `--enable-unsafe-webgpu` is what gives
 * Chromium a WebGPU adapter without a GPU (SwiftShader); the others stop it from trying to reach the network.
 * Playwright adds --no-sandbox (needed as root) and a fresh temporary profile itself.
 */
import * as fs from 'fs';
import { chromium, Browser, Page } from 'playwright-core';

export const CHROMIUM = process.env.DGM_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/**
 * The onnxruntime-web build every browser run loads: the native WebGPU execution provider (`onnxruntime-web/webgpu`).
 * Pinned rather than the default JSEP build because it is the provider onnxruntime is moving to and it ran ~3x
 * faster on SwiftShader here with the same numerics; its wasm provider is the same CPU kernels as the other builds.
 */
export const ORT_BUILD = 'ort.webgpu.min.mjs';

export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: install the Debian package (bash .ci/apt-deps.sh) or set DGM_CHROMIUM`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/**
 * A blank page that loads the pinned onnxruntime-web build as `window.ort`. (Functions given to page.evaluate are
 * compiled by the test transform, which rewrites a dynamic import() into require(): so the page imports it.)
 */
export const HARNESS_HTML = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>dgm harness</title>
<script type="module">
import * as ort from '/ort/${ORT_BUILD}';
window.ort = ort;
window.ortReady = true;
</script>`;

export async function openHarnessPage(browser: Browser, url: string): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage();
  const problems = watchConsole(page);
  await page.goto(url);
  await page.waitForFunction(() => (window as unknown as { ortReady?: boolean }).ortReady === true, undefined, { timeout: 60000 });
  return { page, problems };
}

/** Collects console errors and page errors so a test can show what went wrong inside the page. */
export function watchConsole(page: Page): string[] {
  const lines: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') lines.push(`[${m.type()}] ${m.text()}`);
  });
  page.on('pageerror', (e) => lines.push(`[pageerror] ${e.message}`));
  return lines;
}

export type BrowserEp = 'webgpu' | 'wasm';

export interface RawFeed {
  type: 'float32' | 'int64' | 'int32';
  data: number[];
  dims: number[];
}

/**
 * Runs an ONNX model straight through onnxruntime-web in the page (no project code in between) and returns every
 * output as plain numbers. `page` is a harness page (openHarnessPage).
 */
export async function runRawInPage(
  page: Page,
  modelUrl: string,
  feeds: Record<string, RawFeed>,
  ep: BrowserEp,
  threads = 1,
): Promise<{ outputs: Record<string, { data: number[]; dims: number[] }>; ms: number }> {
  return page.evaluate(
    async ({ modelUrl, feeds, ep, threads }) => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const ort = (window as any).ort;
      ort.env.wasm.numThreads = threads;
      const session = await ort.InferenceSession.create(modelUrl, { executionProviders: [ep] });
      const inputs: Record<string, unknown> = {};
      for (const [name, f] of Object.entries(feeds)) {
        const data = f.type === 'float32' ? Float32Array.from(f.data) : f.type === 'int32' ? Int32Array.from(f.data) : BigInt64Array.from(f.data.map((v) => BigInt(v)));
        inputs[name] = new ort.Tensor(f.type, data, f.dims);
      }
      const t0 = performance.now();
      const res = await session.run(inputs);
      const ms = performance.now() - t0;
      const outputs: Record<string, { data: number[]; dims: number[] }> = {};
      for (const [name, t] of Object.entries(res) as [string, { data: Float32Array; dims: number[] }][]) {
        outputs[name] = { data: Array.from(t.data), dims: [...t.dims] };
      }
      await session.release();
      return { outputs, ms };
    },
    { modelUrl, feeds, ep, threads },
  );
}

/**
 * A page that loads the runtime's browser build (served as /js/, see runtime/web-build.ts) as `window.dgmWeb` and
 * the same onnxruntime-web module as `window.ort` (the import map makes them one instance).
 */
export const RUNTIME_HARNESS_HTML = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>dgm runtime harness</title>
<script type="importmap">{ "imports": { "onnxruntime-web": "/ort/${ORT_BUILD}" } }</script>
<script type="module">
import * as web from '/js/runtime/web.js';
import * as ort from 'onnxruntime-web';
window.dgmWeb = web;
window.ort = ort;
window.ortReady = true;
</script>`;
