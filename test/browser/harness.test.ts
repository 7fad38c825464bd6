/**
 * The Chromium harness the parity suite and the page test stand on: the page is cross-origin isolated, Chromium
 * has a WebGPU adapter, the runtime's browser build loads with the pinned onnxruntime-web build, wasm runs
 * threaded, and an explicitly requested provider that cannot run is an error rather than a fallback.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser } from 'playwright-core';
import { ortWebDistDir } from '../../runtime/paths';
import { RunningServer, startServer } from '../../runtime/server';
import { ensureWebBuild } from '../../runtime/web-build';
import { launchChromium, openHarnessPage, RUNTIME_HARNESS_HTML } from './chromium';

describe('Chromium harness', () => {
  let dir: string;
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dgm-harness-'));
    fs.writeFileSync(path.join(dir, 'harness.html'), RUNTIME_HARNESS_HTML);
    server = await startServer({
      roots: [
        { prefix: '/t/', dir },
        { prefix: '/js/', dir: ensureWebBuild().dir },
        { prefix: '/ort/', dir: ortWebDistDir() },
      ],
      port: 0,
    });
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('isolated page, WebGPU adapter, runtime build with threaded wasm', async () => {
    const { page, problems } = await openHarnessPage(browser, server.url + 't/harness.html');
    const info = await page.evaluate(async () => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const w = window as any;
      return {
        coi: crossOriginIsolated,
        adapter: (await w.dgmWeb.webgpuAdapter()) as { software: boolean; name: string } | undefined,
        version: w.ort.env.versions.web as string,
        threads: w.dgmWeb.configureWasmThreads() as number,
        cores: navigator.hardwareConcurrency,
      };
    });
    // Chromium without a GPU offers SwiftShader's adapter: there, and nowhere else, a software one.
    expect(info).toEqual({ coi: true, adapter: { software: true, name: expect.stringMatching(/swiftshader/i) }, version: '1.30.0', threads: Math.min(4, info.cores), cores: info.cores });
    expect(info.threads).toBeGreaterThan(1);
    // A URL that is not a model: the error names it.
    const err = await page.evaluate(async () => {
      try {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        await (window as any).dgmWeb.GanSampler.load('/t/harness.html');
        return 'loaded';
      } catch (e) {
        return (e as Error).message;
      }
    });
    expect(err).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/t\/harness\.html: not a valid ONNX file: unsupported wire type 4/);
    expect(problems).toEqual([]);
    await page.close();
  });
});
