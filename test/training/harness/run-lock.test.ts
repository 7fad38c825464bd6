/**
 * One training process per run folder: a live owner's lock refuses a second run, naming the owner; a dead owner's
 * lock is taken over; release removes only our own lock.
 */
import { spawn } from 'child_process';
import { isTempName } from '../../../training/harness/atomic-write';
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
    expect(() => lockRunDir(runDir)).toThrow(`${runDir} is being trained by process ${child.pid} (lock file ${path.join(runDir, LOCK_FILE)}); wait for it to finish or stop it. If process ${child.pid} is no dgm training (its pid was reused after a crash), delete ${path.join(runDir, LOCK_FILE)}`);
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

const FIXTURES = path.join(__dirname, 'fixtures');
const { JEST_WORKER_ID: _worker, ...CHILD_ENV } = process.env;

function race(dirs: string[], contenders: number, period: number): Promise<string[][]> {
  const t0 = Date.now() + 2500; // past every child's start-up
  const runs = Array.from({ length: contenders }, () =>
    new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['-r', path.join(FIXTURES, 'swc-register.js'), path.join(FIXTURES, 'lock-racer.ts'), JSON.stringify(dirs), String(t0), String(period)], { env: CHILD_ENV, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (c) => (out += c));
      child.on('error', reject);
      child.on('exit', () => resolve(out));
    }),
  );
  return Promise.all(runs).then((outs) => dirs.map((_, r) => outs.map((o) => o.split('\n').find((l) => l.startsWith(`${r} `))?.split(' ')[1] ?? 'missing')));
}

test('racing processes: exactly one wins each round, on a fresh folder and on a stale lock', async () => {
  const rounds = 12;
  const fresh = Array.from({ length: rounds }, () => tempRunDir());
  const stale = Array.from({ length: rounds }, () => {
    const d = tempRunDir();
    fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, LOCK_FILE), '999999999\n'); // no such process
    return d;
  });
  const results = await race([...fresh, ...stale], 4, 40);
  for (const [r, outcome] of results.entries()) {
    expect({ round: r, won: outcome.filter((o) => o === 'won').length, broken: outcome.filter((o) => o === 'broken').length, missing: outcome.filter((o) => o === 'missing').length }).toEqual({ round: r, won: 1, broken: 0, missing: 0 });
  }
  for (const d of [...fresh, ...stale]) expect(fs.readdirSync(d)).toEqual([]);
}, 60000);

test('taking the lock removes checkpoint temp files a killed write left; a failed run leaves no folder it made', () => {
  const runDir = tempRunDir();
  fs.mkdirSync(runDir, { recursive: true });
  fs.writeFileSync(path.join(runDir, '.checkpoint.ckpt.tmp-4242-0'), 'partial');
  fs.writeFileSync(path.join(runDir, 'checkpoint.ckpt'), 'kept');
  const lock = lockRunDir(runDir);
  expect(lock.removed).toEqual(['.checkpoint.ckpt.tmp-4242-0']);
  expect(fs.readdirSync(runDir).filter(isTempName)).toEqual([]);
  expect(lock.created).toBeUndefined();
  lock();
  lock.discardIfUnused();
  expect(fs.readFileSync(path.join(runDir, 'checkpoint.ckpt'), 'utf8')).toBe('kept');

  const parent = tempRunDir(); // .../run: neither it nor its child exists yet
  const nested = path.join(parent, 'deeper', 'run');
  const made = lockRunDir(nested);
  expect(made.created).toBe(parent);
  made();
  made.discardIfUnused();
  expect(fs.existsSync(parent)).toBe(false);
  expect(fs.existsSync(path.dirname(parent))).toBe(true);
});
