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

/** onnxruntime-web's dist/ folder (the package's `exports` hide its files from require.resolve, not its entry). */
export function ortWebDistDir(): string {
  const dir = path.dirname(require.resolve('onnxruntime-web'));
  if (!fs.existsSync(path.join(dir, 'ort.webgpu.min.mjs'))) throw new Error(`onnxruntime-web's dist files are not in ${dir}; run npm ci`);
  return dir;
}
