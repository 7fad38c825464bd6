/**
 * What an app developer gets from dgm-runtime, measured: the packed tarball and its installed size (without the
 * onnxruntime peers), the Vite example's bundle (JS and wasm, gzipped), and for the shipped cgan the load time, the
 * first sample after load and images/s at batch 64, on onnxruntime-node (from the installed tarball, in its own
 * process) and in Chromium (the built Vite example's worker, wasm with 2 threads). test/examples builds the same
 * folders with these helpers.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gzipSync } from 'zlib';
import { projectRoot } from '../../runtime/paths';

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
/** onnxruntime-node's installer must not try to download CUDA files; nothing else leaves for the registry. */
export const INSTALL_ENV = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };

export function run(cmd: string, args: string[], cwd: string, timeoutMs = 240_000): string {
  const r = spawnSync(cmd, args, { cwd, env: INSTALL_ENV, encoding: 'utf8', timeout: timeoutMs });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.status ?? r.signal}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** `npm pack` of runtime/ into `dest` (its prepack compiles the package first); the tarball's path. */
export function packRuntime(dest: string): string {
  const out = run(NPM, ['pack', '--json', '--pack-destination', dest], path.join(projectRoot(), 'runtime'));
  return path.join(dest, (JSON.parse(out.slice(out.indexOf('['))) as { filename: string }[])[0].filename);
}

/** examples/<name> copied to `dir` with its dgm-runtime dependency pointed at `tarball`, then `npm install`. */
export function installExample(name: 'node' | 'vite', dir: string, tarball: string): void {
  const src = path.join(projectRoot(), 'examples', name);
  fs.cpSync(src, dir, { recursive: true, filter: (f) => !/(^|\/)(node_modules|dist)(\/|$)/.test(path.relative(src, f)) });
  const pkgFile = path.join(dir, 'package.json');
  const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8'));
  pkg.dependencies['dgm-runtime'] = `file:${tarball}`;
  fs.writeFileSync(pkgFile, JSON.stringify(pkg, null, 2));
  run(NPM, ['install'], dir);
}

export function viteBuild(dir: string): void {
  run(process.execPath, [path.join(dir, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], dir);
}

export function dirBytes(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    total += e.isDirectory() ? dirBytes(p) : e.isFile() ? fs.statSync(p).size : 0;
  }
  return total;
}

export interface BundleSize {
  jsBytes: number;
  jsGzipBytes: number;
  wasmBytes: number;
  wasmGzipBytes: number;
}

/** The built Vite app's code: its JS chunks and onnxruntime's glue module (JS), and the wasm binary. */
export function bundleSize(distDir: string): BundleSize {
  const s: BundleSize = { jsBytes: 0, jsGzipBytes: 0, wasmBytes: 0, wasmGzipBytes: 0 };
  const assets = path.join(distDir, 'assets');
  for (const f of fs.readdirSync(assets)) {
    const b = fs.readFileSync(path.join(assets, f));
    const gz = gzipSync(b, { level: 9 }).length;
    if (/\.m?js$/.test(f)) {
      s.jsBytes += b.length;
      s.jsGzipBytes += gz;
    } else if (f.endsWith('.wasm')) {
      s.wasmBytes += b.length;
      s.wasmGzipBytes += gz;
    }
  }
  return s;
}

export interface SamplerSpeed {
  runtime: string;
  /** Model load (fetch or read, session creation). */
  loadMs: number;
  /** The first sample({ n: 1 }) after load. */
  firstSampleMs: number;
  /** Median of timed sample({ n: 64 }) calls, and images/s from it. */
  batch64Ms: number;
  imagesPerS: number;
  provider: string;
  note: string;
}

/** Runs in the Node example's folder, against the installed package: prints one JSON line. */
const NODE_PROBE = `
import { GanSampler } from 'dgm-runtime/node';
const t0 = performance.now();
const gan = await GanSampler.load('cgan', { provider: 'auto', threads: 1 });
const loadMs = performance.now() - t0;
const first = await gan.sample({ n: 1, seed: 0 });
const times = [];
for (let i = 0; i < 12; i++) times.push((await gan.sample({ n: 64, seed: i + 1 })).ms);
times.sort((a, b) => a - b);
const batch64Ms = times[times.length >> 1];
console.log(JSON.stringify({ runtime: 'onnxruntime-node, 1 thread', loadMs, firstSampleMs: first.ms, batch64Ms, imagesPerS: 64000 / batch64Ms, provider: gan.provider, note: gan.providerNote }));
`;

export function nodeSamplerSpeed(nodeExampleDir: string): SamplerSpeed {
  const probe = path.join(nodeExampleDir, 'bench-probe.mjs');
  fs.writeFileSync(probe, NODE_PROBE);
  const out = run(process.execPath, [probe], nodeExampleDir);
  return JSON.parse(out.trim().split('\n').pop()!) as SamplerSpeed;
}

/**
 * In a page of the built Vite example (served by the caller with COOP/COEP): a fresh worker of the example's own
 * worker chunk, loaded once, then n = 1 and n = 64 requests; the times are the worker's own model-call times.
 */
export async function pageSamplerSpeed(page: import('playwright-core').Page, distDir: string): Promise<SamplerSpeed> {
  const chunk = fs.readdirSync(path.join(distDir, 'assets')).find((f) => /^worker-.*\.js$/.test(f));
  if (!chunk) throw new Error(`${distDir}/assets: no worker chunk (worker-*.js) in the Vite build`);
  return page.evaluate(async (url) => {
    const w = new Worker(url, { type: 'module' });
    const ask = (msg: object) =>
      new Promise<{ ms: number; provider: string; note: string; type?: string; message?: string }>((resolve) => {
        const on = (e: MessageEvent) => {
          if (e.data.type === 'progress') return;
          w.removeEventListener('message', on);
          resolve(e.data);
        };
        w.addEventListener('message', on);
        w.postMessage(msg);
      });
    const t0 = performance.now();
    const ready = await ask({ type: 'load' });
    if (ready.type === 'error') throw new Error(ready.message);
    const loadMs = performance.now() - t0;
    const first = await ask({ id: 1, n: 1, seed: 0 });
    const times: number[] = [];
    for (let i = 0; i < 12; i++) times.push((await ask({ id: i + 2, n: 64, seed: i + 1 })).ms);
    times.sort((a, b) => a - b);
    const batch64Ms = times[times.length >> 1];
    w.terminate();
    return { runtime: 'Chromium, onnxruntime-web', loadMs, firstSampleMs: first.ms, batch64Ms, imagesPerS: 64000 / batch64Ms, provider: first.provider, note: first.note };
  }, `/assets/${chunk}`);
}

/** Packs, installs and builds the examples in a temporary folder, then times the shipped cgan in Node and Chromium. */
export async function measureEmbedding(log: (line: string) => void): Promise<EmbeddingFigures> {
  // Chromium is driven as the browser tests drive it (Debian's build through playwright-core, a dev dependency).
  const { launchChromium } = await import('../../test/browser/chromium');
  const { startServer } = await import('../../runtime/server');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dgm-embedding-'));
  try {
    log('embedding: npm pack of runtime/');
    const tarball = packRuntime(tmp);
    log('embedding: installing examples/node and examples/vite from the tarball (npm registry)');
    const nodeDir = path.join(tmp, 'node');
    installExample('node', nodeDir, tarball);
    const viteDir = path.join(tmp, 'vite');
    installExample('vite', viteDir, tarball);
    viteBuild(viteDir);
    const speed = [nodeSamplerSpeed(nodeDir)];
    log('embedding: the Vite build in Chromium');
    const dist = path.join(viteDir, 'dist');
    const server = await startServer({ roots: [{ prefix: '/', dir: dist }], port: 0 });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${server.url}models/cgan/card.json`); // any same-origin document: every response carries COOP/COEP
      speed.push(await pageSamplerSpeed(page, dist));
    } finally {
      await browser.close();
      await server.close();
    }
    return {
      tarballBytes: fs.statSync(tarball).size,
      installedBytes: dirBytes(path.join(nodeDir, 'node_modules', 'dgm-runtime')),
      nodeAppInstalledBytes: dirBytes(path.join(nodeDir, 'node_modules')),
      bundle: bundleSize(dist),
      speed,
    };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

export interface EmbeddingFigures {
  tarballBytes: number;
  /** node_modules/dgm-runtime after `npm install <tarball>`: the package alone (peers and pngjs not counted). */
  installedBytes: number;
  /** Everything `npm install <tarball> onnxruntime-node` put in node_modules (onnxruntime-node's binaries included). */
  nodeAppInstalledBytes: number;
  bundle: BundleSize;
  speed: SamplerSpeed[];
}
