/** Where the files `dgm serve` serves live, found from this module's own location (source or compiled). */
import * as fs from 'fs';
import * as path from 'path';

/** The repository root: the nearest directory above this file holding the project's package.json. */
export function projectRoot(): string {
  let dir = __dirname;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'dgm') return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the dgm project root above ${__dirname}`);
    dir = up;
  }
}

/**
 * The onnxruntime-web build every page loads (runtime/app/index.html's import map names the same file): the JSEP
 * build, the package's default export, with WebGPU through JS kernels and the full wasm CPU provider.
 *
 * Not the native WebGPU build (`onnxruntime-web/webgpu`, ort.webgpu.min.mjs), although it measured faster on
 * SwiftShader (docs/benchmarks.md): its wasm binary carries a reduced CPU kernel set without float64 Cast, and the exported MAF log_prob
 * graphs sum in float64, so it cannot create their sessions on any provider ("Could not find an implementation for
 * Cast(13)" on wasm, "Provider type for Cast node ... is not set" on webgpu). JSEP places those nodes on its CPU
 * provider and runs every exported graph.
 */
export const ORT_WEB_BUILD = 'ort.min.mjs';

/** onnxruntime-web's dist/ folder (the package's `exports` hide its files from require.resolve, not its entry). */
export function ortWebDistDir(): string {
  const dir = path.dirname(require.resolve('onnxruntime-web'));
  if (!fs.existsSync(path.join(dir, ORT_WEB_BUILD))) throw new Error(`onnxruntime-web's dist files are not in ${dir}; run npm ci`);
  return dir;
}
