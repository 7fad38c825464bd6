/**
 * Atomic file replacement: the content goes to a temporary file in the same directory (so the rename cannot cross
 * file systems), is fsynced, then renamed over the target, and the directory is fsynced so the rename itself
 * survives a crash. A reader therefore sees either the old file or the complete new one, never a torn write —
 * which is what lets a training run be killed at any moment without losing its last checkpoint.
 *
 * Only a regular file (or nothing) is replaced: a rename would put the new file in place of a symlink, a device or
 * a FIFO (as root, `--out /dev/full` once replaced the device with a PNG), so those are refused with a message
 * naming the path, and the last component is never followed.
 */
import * as fs from 'fs';
import * as path from 'path';

let counter = 0;

/** The temporary name used for `file` (exported so tests can check that none is left behind). */
export function isTempName(base: string): boolean {
  return /^\..+\.tmp-\d+-\d+$/.test(base);
}

/** What is at `p` when it is not a regular file ('a symbolic link to x', 'a directory', ...); undefined otherwise. */
export function nonRegularKind(p: string): string | undefined {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ENOTDIR') return undefined; // a parent is not a folder: the write itself says so
    throw err;
  }
  if (st.isFile()) return undefined;
  if (st.isSymbolicLink()) {
    let to = '?';
    try {
      to = fs.readlinkSync(p);
    } catch {
      /* unreadable link: still a link */
    }
    return `a symbolic link (to ${to})`;
  }
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Throws unless `file` can be written as a new or replaced regular file: a non-empty path, not ending in a separator,
 * where nothing or a regular file is. `what` names the input in the message (e.g. '--out').
 */
export function checkOutputPath(file: string, what = 'output file'): void {
  if (typeof file !== 'string' || file.trim() === '') throw new Error(`${what} must name a file, got ${JSON.stringify(file)}`);
  if (/[\\/]$/.test(file)) throw new Error(`${what} ${file} ends in a path separator: name a file, not a folder`);
  const kind = nonRegularKind(file);
  if (kind) throw new Error(`${what} ${file} is ${kind}, not a regular file: refusing to replace it (remove it or choose another path)`);
}

export function writeFileAtomic(file: string, content: string | Uint8Array | readonly (string | Uint8Array)[], what = 'output file'): void {
  checkOutputPath(file, what);
  const dir = path.dirname(path.resolve(file));
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new Error(`could not write ${file}: cannot create its folder ${dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
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
    // Again just before the rename: something else may have been put there while the content was written.
    const kind = nonRegularKind(file);
    if (kind) throw new Error(`${file} is ${kind}, not a regular file: refusing to replace it`);
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
