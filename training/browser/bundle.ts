/**
 * The training page's bundle (dist/train-page/train-page.js): training/browser/train-page.ts with tfjs, the MAF
 * definition, the project's exporter (export/) and its protobuf encoder, for `dgm serve`'s page /app/train.html.
 * Only that page loads it: the models page and the dgm-runtime package never carry tfjs.
 *
 * esbuild bundles for the browser, so a Node module (fs, crypto, onnxruntime-node...) anywhere in the import graph
 * is a build error, not a page error. Where a module has a browser twin beside it (`x.browser.ts` next to `x.ts`:
 * export/ort.ts, export/onnx/onnx-schema.ts) the bundle takes the twin. onnxruntime-web stays outside: the page's
 * import map gives it, the same instance the runtime uses. `ensureTrainBundle` rebuilds only when a source changed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { projectRoot } from '../../runtime/paths';

export interface TrainBundle {
  /** dist/train-page: serve it as /train/ */
  dir: string;
  entry: string;
  rebuilt: boolean;
}

/** The source folders the bundle is made from (for the freshness check). */
const SOURCE_DIRS = ['training', 'export', 'runtime/core', 'families'];
const STAMP = '.build-stamp';

function newestSource(root: string): number {
  let newest = 0;
  const walk = (d: string) => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|proto|html)$/.test(e.name)) newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  for (const d of SOURCE_DIRS) walk(path.join(root, d));
  return newest;
}

export async function ensureTrainBundle(opts: { force?: boolean; log?: (line: string) => void } = {}): Promise<TrainBundle> {
  const root = projectRoot();
  const dir = path.join(root, 'dist', 'train-page');
  const entry = path.join(dir, 'train-page.js');
  const stamp = path.join(dir, STAMP);
  if (!opts.force && fs.existsSync(stamp) && fs.existsSync(entry) && fs.statSync(stamp).mtimeMs >= newestSource(root)) return { dir, entry, rebuilt: false };
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new Error('building the training page needs the esbuild package (a dev dependency): run npm ci');
  }
  opts.log?.('bundling the training page (esbuild: training/browser/train-page.ts)');
  const browserTwins: import('esbuild').Plugin = {
    name: 'browser-twins',
    setup(build) {
      build.onResolve({ filter: /^\.\.?\// }, (args) => {
        const base = path.resolve(args.resolveDir, args.path).replace(/\.(ts|js)$/, '');
        const twin = `${base}.browser.ts`;
        return fs.existsSync(twin) && !args.importer.endsWith('.browser.ts') ? { path: twin } : undefined;
      });
    },
  };
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  const result = await esbuild.build({
    entryPoints: [path.join(root, 'training', 'browser', 'train-page.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outdir: tmp,
    sourcemap: true,
    external: ['onnxruntime-web'],
    loader: { '.proto': 'text' },
    plugins: [browserTwins],
    // tfjs reads process.env.NODE_ENV-free flags; no Node globals are polyfilled.
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
    metafile: true,
  }).catch((err: Error) => {
    throw new Error(`training page bundle failed (esbuild): ${err.message}`);
  });
  fs.writeFileSync(path.join(tmp, 'meta.json'), JSON.stringify(result.metafile));
  fs.copyFileSync(path.join(root, 'training', 'browser', 'train.html'), path.join(tmp, 'train.html'));
  fs.writeFileSync(path.join(tmp, STAMP), new Date().toISOString() + '\n');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
  return { dir, entry, rebuilt: true };
}

/** tfjs-backend-wasm's .wasm binaries (the page sets its wasm paths to where they are served). */
export function tfjsWasmDir(): string {
  const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  return dir;
}
