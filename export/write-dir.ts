/**
 * Writes a model's folder all at once: every file goes into a temporary sibling folder, which then replaces the
 * target by rename. A failure at any point leaves the previous folder (or none) and no partial file behind.
 */
import * as fs from 'fs';
import * as path from 'path';

export function writeDirAtomic(dir: string, files: Record<string, Uint8Array | string>): void {
  // A symlink or file where the model folder goes is not ours to replace (the rename would swap out the link).
  const st = fs.lstatSync(dir, { throwIfNoEntry: false });
  if (st && !st.isDirectory()) throw new Error(`model folder ${dir} exists and is ${st.isSymbolicLink() ? `a symbolic link (to ${fs.readlinkSync(dir)})` : 'not a directory'}: refusing to replace it (remove it or choose another --out)`);
  const parent = path.dirname(dir);
  fs.mkdirSync(parent, { recursive: true });
  const tmp = path.join(parent, `.${path.basename(dir)}.tmp-${process.pid}-${Date.now()}`);
  const old = path.join(parent, `.${path.basename(dir)}.old-${process.pid}-${Date.now()}`);
  try {
    fs.mkdirSync(tmp);
    for (const [name, data] of Object.entries(files)) {
      if (name.includes('/') || name.startsWith('.')) throw new Error(`internal error: bad file name ${name}`);
      const fd = fs.openSync(path.join(tmp, name), 'w');
      try {
        fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    }
    if (fs.existsSync(dir)) fs.renameSync(dir, old);
    fs.renameSync(tmp, dir);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    if (fs.existsSync(old) && !fs.existsSync(dir)) fs.renameSync(old, dir);
    throw e;
  }
  fs.rmSync(old, { recursive: true, force: true });
}
