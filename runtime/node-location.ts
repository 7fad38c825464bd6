/**
 * Where this package's own files are, from the Node entry. The repository compiles runtime/ to CommonJS, where
 * `require` and `__dirname` exist; the published package is ES modules, where they do not, and `import.meta` cannot
 * be written in a file that the CommonJS build compiles too. So the ES-module entry (esm/node.ts) hands its own URL
 * to setPackageEntry before anything asks, and the CommonJS build needs nothing.
 */
import * as fs from 'fs';
import { createRequire } from 'module';
import * as path from 'path';
import { fileURLToPath } from 'url';

export const PACKAGE_NAME = 'dgm-runtime';

let entryFile: string | undefined;

/** Called by the ES-module entry with its `import.meta.url`. */
export function setPackageEntry(url: string): void {
  entryFile = url.startsWith('file:') ? fileURLToPath(url) : url;
}

function hereFile(): string {
  if (entryFile) return entryFile;
  if (typeof __filename === 'string') return __filename;
  throw new Error(`${PACKAGE_NAME}: import it through its entry point ('${PACKAGE_NAME}/node'), not a file inside it`);
}

/** `require` relative to this package (to find the files of a package it loads). */
export function packageRequire(): NodeRequire {
  return typeof require === 'function' && !entryFile ? require : createRequire(hereFile());
}

/** The package's folder: the nearest folder above this file whose package.json is this package's. */
export function packageDir(): string {
  let dir = path.dirname(hereFile());
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        if (JSON.parse(fs.readFileSync(pkg, 'utf8')).name === PACKAGE_NAME) return dir;
      } catch {
        // not ours; keep climbing
      }
    }
    // The repository's own build (dist/runtime/*.js) sits beside, not inside, runtime/.
    const sibling = path.join(dir, 'runtime', 'package.json');
    if (fs.existsSync(sibling) && JSON.parse(fs.readFileSync(sibling, 'utf8')).name === PACKAGE_NAME) return path.dirname(sibling);
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`${PACKAGE_NAME}: cannot find its package.json above ${hereFile()}`);
    dir = up;
  }
}

/** The trained models the package ships (models/<name>/model.onnx, listed in models/index.json). */
export function shippedModelsDir(): string {
  return path.join(packageDir(), 'models');
}
