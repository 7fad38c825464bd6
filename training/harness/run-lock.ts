/**
 * One training process per run folder. Two processes writing the same checkpoint.ckpt and metrics.jsonl would
 * interleave their steps (it happened here: a resumed run started while the interrupted one was still finishing its
 * test evaluation). The lock is a file `.lock` created exclusively, holding the owner's pid; a lock whose process is
 * gone (killed, crashed) is taken over.
 */
import * as fs from 'fs';
import * as path from 'path';

export const LOCK_FILE = '.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the run folder's lock or throws, naming the process that holds it; returns the release function. */
export function lockRunDir(runDir: string): () => void {
  fs.mkdirSync(runDir, { recursive: true });
  const file = path.join(runDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return () => {
        try {
          if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.unlinkSync(file);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(fs.readFileSync(file, 'utf8').trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
        throw new Error(`${runDir} is being trained by process ${owner}; wait for it to finish (or stop it) before starting another run there`);
      }
      fs.rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  throw new Error(`${runDir}: could not take the lock ${file}`);
}
