/**
 * The browser build of the runtime (runtime/tsconfig.web.json -> dist/web/): the same TypeScript sources compiled
 * to ES modules, which the page imports directly (no bundler). `dgm serve` and the browser tests call
 * `ensureWebBuild()`, which recompiles only when a source is newer than the last build.
 *
 * dist/web/package.json says "type": "module" so Node can import the very same files (the parity suite runs
 * onnxruntime-web in Node through them).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { projectRoot } from './paths';

export interface WebBuild {
  /** dist/web: serve it as /js/ */
  dir: string;
  /** The compiled runtime/web.js (an ES module). */
  entry: string;
  rebuilt: boolean;
}

const STAMP = '.build-stamp';

function newestSource(dir: string): number {
  let newest = 0;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      // The package's own build output and shipped models are not sources of the page's build.
      if (e.isDirectory() && !['dist', 'node_modules', 'models'].includes(e.name)) walk(p);
      else if (p.endsWith('.ts') || p.endsWith('.json')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  walk(dir);
  return newest;
}

export function ensureWebBuild(opts: { force?: boolean; log?: (line: string) => void } = {}): WebBuild {
  const root = projectRoot();
  const dir = path.join(root, 'dist', 'web');
  const entry = path.join(dir, 'runtime', 'web.js');
  const stamp = path.join(dir, STAMP);
  const fresh = () => fs.existsSync(stamp) && fs.existsSync(entry) && fs.statSync(stamp).mtimeMs >= newestSource(path.join(root, 'runtime'));
  if (!opts.force && fresh()) return { dir, entry, rebuilt: false };

  // Two test files may ask at once: one builds, the other waits for it.
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const lock = path.join(root, 'dist', '.web-build.lock');
  const release = acquire(lock);
  try {
    if (!opts.force && fresh()) return { dir, entry, rebuilt: false };
    let tsc: string;
    try {
      tsc = require.resolve('typescript/bin/tsc');
    } catch {
      throw new Error('building the browser app needs the typescript package (a dev dependency): run npm ci');
    }
    opts.log?.('building the browser runtime (tsc -p runtime/tsconfig.web.json)');
    const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'runtime', 'tsconfig.web.json')], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`browser build failed (tsc -p runtime/tsconfig.web.json):\n${(r.stdout + r.stderr).trim()}`);
    fs.writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
    fs.writeFileSync(stamp, new Date().toISOString() + '\n');
    return { dir, entry, rebuilt: true };
  } finally {
    release();
  }
}

/** A lock file created exclusively; a lock older than two minutes is a crashed build's and is taken over. */
function acquire(lock: string): () => void {
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(lock, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      try {
        if (Date.now() - fs.statSync(lock).mtimeMs > 120_000) fs.rmSync(lock, { force: true });
      } catch {
        // the other builder just released it
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for another browser build (lock ${lock})`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
}
