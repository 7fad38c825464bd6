/**
 * Debian's Chromium driven by playwright-core, for the parity suite and the page test.
 *
 * Flags (measured, /work/shared/notes/onnxruntime-web-in-chromium.md): `--enable-unsafe-webgpu` is what gives
 * Chromium a WebGPU adapter without a GPU (SwiftShader); the others stop it from trying to reach the network.
 * Playwright adds --no-sandbox (needed as root) and a fresh temporary profile itself.
 */
import * as fs from 'fs';
import { chromium, Browser, Page } from 'playwright-core';
import { ORT_WEB_BUILD } from '../../runtime/paths';

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

/** The onnxruntime-web build every browser run loads, the app's (why this one: runtime/paths.ts). */
export const ORT_BUILD = ORT_WEB_BUILD;

export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: install the Debian package (bash .ci/apt-deps.sh) or set DGM_CHROMIUM`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/** Opens a page of RUNTIME_HARNESS_HTML and waits until its modules are loaded. */
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
