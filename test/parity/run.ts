/**
 * Runs parity cases through every runtime and builds the table rows: onnxruntime-node, onnxruntime-web in Node
 * (one child process), and one Chromium page (the runtime's browser build) with the WebGPU then the wasm provider.
 * Models are served from their parent folders, so `dirs` may live anywhere.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ortWebDistDir } from '../../runtime/paths';
import { ServeRoot, startServer } from '../../runtime/server';
import { ensureWebBuild } from '../../runtime/web-build';
import { launchChromium, openHarnessPage, RUNTIME_HARNESS_HTML } from '../browser/chromium';
import type { ParityCase } from './cases';
import { JobResult, runInPage, runOnNode, runOnNodeWebgpu, runOnWebInNode, Unsupported } from './runtimes';
import type { ParityRow, RuntimeName } from './table';

export interface ParityRun {
  rows: ParityRow[];
  /** Provider each runtime reported, per case. */
  providers: Record<Exclude<RuntimeName, 'tfjs'>, string[]>;
  timing: string;
}

export async function runParity(cases: ParityCase[]): Promise<ParityRun> {
  const results: Record<Exclude<RuntimeName, 'tfjs' | 'ort-node-webgpu'>, JobResult[]> = { 'ort-node': [], 'ort-web-node': [], 'chromium-webgpu': [], 'chromium-wasm': [] };
  let nodeWebgpu: (JobResult | Unsupported)[] = [];
  const totals: string[] = [];
  const perCase: string[] = [];
  const seconds = (t0: number) => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

  let t0 = Date.now();
  for (const c of cases) results['ort-node'].push(await runOnNode(c.job));
  totals.push(`ort-node ${seconds(t0)}`);

  t0 = Date.now();
  nodeWebgpu = runOnNodeWebgpu(cases.map((c) => c.job));
  totals.push(`ort-node-webgpu ${seconds(t0)}`);

  const build = ensureWebBuild();
  t0 = Date.now();
  results['ort-web-node'] = runOnWebInNode(build.entry, cases.map((c) => c.job));
  totals.push(`ort-web-node ${seconds(t0)}`);

  // One URL prefix per folder holding models: /m0/, /m1/, ...
  const parents = [...new Set(cases.map((c) => path.dirname(path.resolve(c.job.model))))];
  const page = fs.mkdtempSync(path.join(os.tmpdir(), 'dgm-parity-page-'));
  fs.writeFileSync(path.join(page, 'harness.html'), RUNTIME_HARNESS_HTML);
  const roots: ServeRoot[] = [
    { prefix: '/page/', dir: page },
    { prefix: '/js/', dir: build.dir },
    { prefix: '/ort/', dir: ortWebDistDir() },
    ...parents.map((dir, i) => ({ prefix: `/m${i}/`, dir })),
  ];
  const url = (dir: string) => `/m${parents.indexOf(path.dirname(path.resolve(dir)))}/${encodeURIComponent(path.basename(dir))}/model.onnx`;
  const server = await startServer({ roots, port: 0 });
  const browser = await launchChromium();
  try {
    const { page: tab } = await openHarnessPage(browser, server.url + 'page/harness.html');
    for (const ep of ['webgpu', 'wasm'] as const) {
      t0 = Date.now();
      for (const c of cases) {
        const t1 = Date.now();
        results[`chromium-${ep}`].push(await runInPage(tab, c.job, ep, url));
        if (ep === 'webgpu') perCase.push(`${c.model} ${c.output.split(' [')[0]} ${seconds(t1)}`);
      }
      totals.push(`chromium-${ep} ${seconds(t0)}`);
    }
  } finally {
    await browser.close();
    await server.close();
    fs.rmSync(page, { recursive: true, force: true });
  }

  const rows: ParityRow[] = cases.map((c, i) => ({
    model: c.model,
    output: c.output,
    inputs: 'unsupported' in nodeWebgpu[i] ? `${c.inputs}; node-gpu: not run (onnxruntime's WebGPU provider: ${(nodeWebgpu[i] as Unsupported).unsupported})` : c.inputs,
    tolerance: c.tolerance,
    unit: c.unit,
    ...(c.rowWidth ? { rowWidth: c.rowWidth } : {}),
    ...(c.rowBound !== undefined ? { rowBound: c.rowBound } : {}),
    results: {
      ...(c.tfjs ? { tfjs: c.tfjs } : {}),
      'ort-node': results['ort-node'][i].data,
      ...('data' in nodeWebgpu[i] ? { 'ort-node-webgpu': (nodeWebgpu[i] as JobResult).data } : {}),
      'ort-web-node': results['ort-web-node'][i].data,
      'chromium-webgpu': results['chromium-webgpu'][i].data,
      'chromium-wasm': results['chromium-wasm'][i].data,
    },
  }));
  const providers = Object.fromEntries([...Object.entries(results), ['ort-node-webgpu', nodeWebgpu] as const].map(([k, v]) => [k, v.map((r) => ('provider' in r ? r.provider : 'not run'))])) as ParityRun['providers'];
  const timing = `Time per runtime (one run on a shared 2-core machine, model loading included): ${totals.join(', ')}.\nChromium WebGPU per case: ${perCase.join(', ')}.`;
  return { rows, providers, timing };
}
