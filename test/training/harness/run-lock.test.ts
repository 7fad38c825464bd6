/**
 * One training process per run folder: a live owner's lock refuses a second run, naming the owner; a dead owner's
 * lock is taken over; release removes only our own lock.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LOCK_FILE, lockRunDir } from '../../../training/harness/run-lock';

const dirs: string[] = [];
function tempRunDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'dgm-lock-'));
  dirs.push(d);
  return path.join(d, 'run');
}
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

test('a run folder held by a live process is refused with its pid; once that process is gone the lock is taken over', async () => {
  const runDir = tempRunDir();
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  try {
    fs.mkdirSync(runDir, { recursive: true });
    fs.writeFileSync(path.join(runDir, LOCK_FILE), `${child.pid}\n`);
    expect(() => lockRunDir(runDir)).toThrow(new RegExp(`is being trained by process ${child.pid}`));
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
  const release = lockRunDir(runDir);
  expect(fs.readFileSync(path.join(runDir, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
  release();
  expect(fs.existsSync(path.join(runDir, LOCK_FILE))).toBe(false);
});

test('release leaves a lock that another process has since taken', () => {
  const runDir = tempRunDir();
  const release = lockRunDir(runDir);
  fs.writeFileSync(path.join(runDir, LOCK_FILE), '999999999\n');
  release();
  expect(fs.readFileSync(path.join(runDir, LOCK_FILE), 'utf8').trim()).toBe('999999999');
});
