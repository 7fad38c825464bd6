/**
 * Atomic file replacement: the content goes to a temporary file in the same directory (so the rename cannot cross
 * file systems), is fsynced, then renamed over the target, and the directory is fsynced so the rename itself
 * survives a crash. A reader therefore sees either the old file or the complete new one, never a torn write —
 * which is what lets a training run be killed at any moment without losing its last checkpoint.
 */
import * as fs from 'fs';
import * as path from 'path';

let counter = 0;

/** The temporary name used for `file` (exported so tests can check that none is left behind). */
export function isTempName(base: string): boolean {
  return /^\..+\.tmp-\d+-\d+$/.test(base);
}

export function writeFileAtomic(file: string, content: string | Uint8Array | readonly (string | Uint8Array)[]): void {
  const dir = path.dirname(path.resolve(file));
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${counter++}`);
  const chunks: readonly (string | Uint8Array)[] = typeof content === 'string' || content instanceof Uint8Array ? [content] : content;
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'w', 0o644);
    for (const chunk of chunks) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      let written = 0;
      while (written < buf.byteLength) written += fs.writeSync(fd, buf, written, buf.byteLength - written);
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
  } catch (err) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    const msg = err instanceof Error ? err.message : String(err);
    throw new Error(`could not write ${file}: ${msg}`);
  }
  fsyncDir(dir);
}

function fsyncDir(dir: string): void {
  // Not every file system allows fsync on a directory; the rename has happened either way.
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    /* best effort */
  }
}
