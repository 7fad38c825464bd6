/**
 * Registers tfjs' own gradient functions (tf.grad, optimizer.minimize) in a CommonJS process.
 *
 * Why this exists: @tensorflow/tfjs-core's CommonJS entry (dist/tf-core.node.js) registers kernels' forward paths
 * only; the gradient configs ship solely as ES modules (dist/register_all_gradients.js and dist/gradients/*), which
 * the union package @tensorflow/tfjs imports but which we do not install. Without them every backward pass fails
 * with "gradient function not found for Sum". Those files use extension-less relative imports, so Node cannot load
 * them as ES modules either, and Node 20 cannot require() them.
 *
 * What it does: translates that module graph (register_all_gradients.js and what it imports) once into CommonJS
 * with @swc/core, into node_modules/.cache/dgm-tfjs-gradients-<version>/, and requires it. That copy of tfjs-core's
 * internals shares the engine and the kernel/gradient registries with the main one (tfjs keeps them on the global
 * object, and its Tensor class answers `instanceof` across copies), so the gradients land where tf.grad looks.
 * Idempotent; works the same under jest (which loads plain CommonJS from an absolute path).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';

const ENTRY = 'register_all_gradients.js';

function coreDistDir(): string {
  return path.join(path.dirname(require.resolve('@tensorflow/tfjs-core/package.json')), 'dist');
}

function resolveRelative(fromFile: string, spec: string): string {
  const base = path.resolve(path.dirname(fromFile), spec);
  for (const cand of [base, `${base}.js`, path.join(base, 'index.js')]) {
    if (fs.existsSync(cand) && fs.statSync(cand).isFile()) return cand;
  }
  throw new Error(`tfjs gradients: cannot resolve '${spec}' imported by ${fromFile}`);
}

/** Translates the ES-module graph under `srcDir` reachable from ENTRY into CommonJS under `outDir`. */
function translateGraph(srcDir: string, outDir: string): void {
  // @swc/core is a dev dependency of the project (jest uses it); loaded only when the cache is missing.
  let swc: typeof import('@swc/core');
  try {
    swc = require('@swc/core');
  } catch (err) {
    throw new Error(`tfjs gradients: @swc/core is needed once to translate tfjs-core's gradient modules (run \`npm ci\`): ${(err as Error).message}`);
  }
  const tmp = `${outDir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  const seen = new Set<string>();
  const queue = [path.join(srcDir, ENTRY)];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const { code } = swc.transformSync(fs.readFileSync(file, 'utf8'), {
      filename: file,
      sourceMaps: false,
      jsc: { target: 'es2020', parser: { syntax: 'ecmascript' } },
      module: { type: 'commonjs' },
    });
    // Bare imports (seedrandom, long) are resolved from tfjs-core's own location, not from the cache folder.
    const out = code.replace(/require\("([^".][^"]*)"\)/g, (m, spec: string) => {
      if (spec.startsWith('node:') || ['fs', 'path', 'util', 'crypto'].includes(spec)) return m;
      return `require(${JSON.stringify(require.resolve(spec, { paths: [srcDir] }))})`;
    });
    for (const m of out.matchAll(/require\("(\.[^"]*)"\)/g)) queue.push(resolveRelative(file, m[1]));
    const dest = path.join(tmp, path.relative(srcDir, file));
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(dest, out);
  }
  fs.writeFileSync(path.join(tmp, 'package.json'), JSON.stringify({ type: 'commonjs', private: true }));
  try {
    fs.renameSync(tmp, outDir);
  } catch (err) {
    // Another process finished first: its copy is as good as ours.
    fs.rmSync(tmp, { recursive: true, force: true });
    if (!fs.existsSync(path.join(outDir, ENTRY))) throw err;
  }
}

/** Makes every tfjs gradient available. Cheap after the first call in a process; the translation runs once per install. */
export function registerTfjsGradients(): void {
  if (tf.getGradient('Sum') && tf.getGradient('BatchMatMul')) return;
  const srcDir = coreDistDir();
  const root = path.resolve(srcDir, '..', '..', '..');
  const outDir = path.join(root, '.cache', `dgm-tfjs-gradients-${tf.version_core}`);
  if (!fs.existsSync(path.join(outDir, ENTRY))) translateGraph(srcDir, outDir);
  require(path.join(outDir, ENTRY));
  if (!tf.getGradient('Sum')) throw new Error(`tfjs gradients: loaded ${outDir} but no gradient got registered`);
}
