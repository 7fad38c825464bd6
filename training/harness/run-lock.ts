/**
 * One training process per run folder. Two processes writing the same checkpoint.ckpt and metrics.jsonl would
 * interleave their steps (it happened here: a resumed run started while the interrupted one was still finishing its
 * test evaluation). The lock is a file `.lock` holding the owner's pid.
 *
 * - It appears whole: the pid is written to a private file which is then hard-linked as `.lock` (link fails if the
 *   name exists), so no other process ever reads a half-written lock and mistakes it for a stale one.
 * - A lock whose process is gone is taken over in a checked way: only the process holding the guard `.lock.takeover`
 *   (created the same way) may remove it, and only after reading it again, so two processes that both saw it stale
 *   cannot remove each other's fresh lock. A guard whose process died is moved aside and removed if it is still the
 *   same file (inode).
 * - Once held, leftover checkpoint temp files (`.<file>.tmp-<pid>-<n>`, from a kill during a write) are removed:
 *   nothing else writes in a locked folder.
 */
import * as fs from 'fs';
import * as path from 'path';
import { isTempName } from './atomic-write';
import { processAlive } from '../../runtime/process-alive';

export const LOCK_FILE = '.lock';

/** The lock's release function, and what taking it did. */
export type RunLock = (() => void) & {
  /** The top-most folder this call created for the run (undefined when the run folder existed). */
  created?: string;
  /** Leftover temp files removed from the run folder. */
  removed: string[];
  /** After release: removes the folders this call created when they hold nothing a run wrote (no checkpoint, no
   *  metrics): a run that failed before its first step leaves no trace. */
  discardIfUnused(): void;
};

let counter = 0;


/** Creates `file` holding `content`, all at once, unless it exists; false when it does. */
function createWhole(file: string, content: string): boolean {
  const tmp = `${file}.new-${process.pid}-${counter++}`;
  fs.writeFileSync(tmp, content, { flag: 'wx' });
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
    // A file system without hard links: exclusive create (a reader may then see it empty for a moment).
    try {
      fs.writeFileSync(file, content, { flag: 'wx' });
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** The lock's owner and inode, or undefined when it vanished meanwhile. */
function readLock(file: string): { owner: number; text: string; ino: number; dev: number; mtimeMs: number } | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const st = fs.fstatSync(fd);
    const text = fs.readFileSync(fd, 'utf8').trim();
    return { owner: /^\d+$/.test(text) ? Number(text) : NaN, text, ino: st.ino, dev: st.dev, mtimeMs: st.mtimeMs };
  } finally {
    fs.closeSync(fd);
  }
}

const TAKEOVER = '.takeover';

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function isStale(lock: { owner: number; mtimeMs: number }): boolean {
  if (Number.isNaN(lock.owner)) return Date.now() - lock.mtimeMs >= 5000;
  return !(Number.isSafeInteger(lock.owner) && lock.owner > 0 && processAlive(lock.owner));
}

/** Removes `file` if it is still the file `seen` describes (a guard left by a process that died mid-takeover). */
function removeIfSame(file: string, seen: { ino: number; dev: number }): void {
  const aside = `${file}.stale-${process.pid}-${counter++}`;
  try {
    fs.renameSync(file, aside);
  } catch {
    return;
  }
  const moved = fs.lstatSync(aside);
  if (moved.ino !== seen.ino || moved.dev !== seen.dev) {
    try {
      fs.linkSync(aside, file);
    } catch {
      /* taken again meanwhile */
    }
  }
  fs.rmSync(aside, { force: true });
}

/** Takes the run folder's lock or throws, naming the lock file and the process that holds it. */
export function lockRunDir(runDir: string): RunLock {
  let created: string | undefined;
  try {
    created = fs.mkdirSync(runDir, { recursive: true });
  } catch (err) {
    throw new Error(`cannot create the run folder ${runDir}: ${(err as Error).message}`);
  }
  const file = path.join(runDir, LOCK_FILE);
  for (let attempt = 0; attempt < 400; attempt++) {
    if (createWhole(file, `${process.pid}\n`)) return held(runDir, file, created);
    const lock = readLock(file);
    if (!lock) continue; // released meanwhile
    if (lock.owner === process.pid) throw new Error(`${runDir}: this process already holds its lock ${file}`);
    if (Number.isSafeInteger(lock.owner) && lock.owner > 0 && processAlive(lock.owner)) {
      throw new Error(
        `${runDir} is being trained by process ${lock.owner} (lock file ${file}); wait for it to finish or stop it. ` +
          `If process ${lock.owner} is no dgm training (its pid was reused after a crash), delete ${file} and start again`,
      );
    }
    if (Number.isNaN(lock.owner) && Date.now() - lock.mtimeMs < 5000) {
      throw new Error(`${runDir}: its lock file ${file} holds ${JSON.stringify(lock.text)}, not a pid, and is being written; try again`);
    }
    // Stale: its process is gone (or it holds no pid and is old). Only the holder of the takeover guard removes it,
    // after checking again, so two processes that both saw it stale cannot remove each other's fresh lock.
    const guard = `${file}${TAKEOVER}`;
    if (!createWhole(guard, `${process.pid}\n`)) {
      const g = readLock(guard);
      if (g && !(Number.isSafeInteger(g.owner) && g.owner > 0 && processAlive(g.owner))) removeIfSame(guard, g);
      else sleep(5);
      continue;
    }
    try {
      const again = readLock(file);
      if (again && isStale(again)) fs.unlinkSync(file);
    } finally {
      fs.rmSync(guard, { force: true });
    }
  }
  throw new Error(`${runDir}: could not take the lock ${file}: other processes keep taking it`);
}

function held(runDir: string, file: string, created: string | undefined): RunLock {
  const removed: string[] = [];
  for (const name of fs.readdirSync(runDir)) {
    const stale = /^\.lock\.(new|stale)-(\d+)-\d+$/.exec(name);
    const guard = name === LOCK_FILE + TAKEOVER && readLock(path.join(runDir, name));
    if (isTempName(name) || (stale && !processAlive(Number(stale[2]))) || (guard && isStale(guard))) {
      fs.rmSync(path.join(runDir, name), { force: true });
      removed.push(name);
    }
  }
  const release = (() => {
    try {
      if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.unlinkSync(file);
    } catch {
      // already gone
    }
  }) as RunLock;
  release.created = created;
  release.removed = removed;
  release.discardIfUnused = () => {
    if (!created || fs.existsSync(file)) return;
    if (fs.readdirSync(runDir).some((n) => !isTempName(n))) return;
    fs.rmSync(runDir, { recursive: true, force: true });
    // Then the empty folders above it that this call made (others may have put runs of their own there since).
    for (let d = path.dirname(runDir); d.startsWith(created) && d.length >= created.length; d = path.dirname(d)) {
      try {
        fs.rmdirSync(d);
      } catch {
        break;
      }
    }
  };
  return release;
}
