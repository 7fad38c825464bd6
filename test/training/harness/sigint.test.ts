/**
 * A real process sent SIGINT mid-run: it finishes the step, saves, prints how to resume and exits 130; resumed in
 * a second process it ends with the same checkpoint bytes (weights, Adam state, noise state) as an uninterrupted
 * run of the same seed in this process.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readCheckpoint } from '../../../training/harness/checkpoint';
import { trainTiny, type TinyOptions } from './tiny-model';

const FIXTURES = path.join(__dirname, 'fixtures');
// The child is a plain Node process: without jest's worker id (which it would inherit) code takes its Node paths.
const { JEST_WORKER_ID: _worker, ...CHILD_ENV } = process.env;

interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the tiny model in a child process; `interruptAtLine` sends SIGINT once stdout shows that text. */
function runChild(opts: TinyOptions, interruptAtLine?: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', path.join(FIXTURES, 'swc-register.js'), path.join(FIXTURES, 'tiny-train-child.ts'), JSON.stringify(opts)], {
      cwd: path.join(__dirname, '..', '..', '..'),
    env: CHILD_ENV,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '', stderr = '', sent = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (interruptAtLine && !sent && stdout.includes(interruptAtLine)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'dgm-sigint-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

test('SIGINT saves a checkpoint and exits 130; --resume in a new process ends bit-identical to an uninterrupted run', async () => {
  const steps = 80;
  const common = { steps, logEvery: 10, checkpointEvery: 1000, slowMs: 5 };
  const childDir = path.join(root, 'child');
  const first = await runChild({ ...common, runDir: childDir }, `step 20/${steps}`);
  expect(first.stderr).not.toContain('Error');
  expect(first.code).toBe(130);
  expect(first.stdout).toContain('SIGINT received: finishing the current step and saving a checkpoint');
  expect(first.stdout).toMatch(/RESULT interrupted \d+/);
  expect(first.stdout).toContain('Resume with: tiny --resume');
  const stoppedAt = readCheckpoint(path.join(childDir, 'checkpoint.ckpt')).step;
  // Stopped where the signal arrived, mid-run (the checkpoint-every interval is longer than the run).
  expect(stoppedAt).toBeGreaterThanOrEqual(20);
  expect(stoppedAt).toBeLessThan(steps);
  expect(first.stdout).toContain(`RESULT interrupted ${stoppedAt}`);

  const second = await runChild({ ...common, runDir: childDir, resume: true });
  expect(second.code).toBe(0);
  expect(second.stdout).toContain(`resumed from ${path.join(childDir, 'checkpoint.ckpt')} at step ${stoppedAt}`);
  expect(second.stdout).toContain(`RESULT completed ${steps}`);

  const refDir = path.join(root, 'reference');
  const ref = await trainTiny({ ...common, slowMs: 0, runDir: refDir });
  ref.dispose();
  expect(ref.result.status).toBe('completed');
  const a = fs.readFileSync(path.join(childDir, 'checkpoint.ckpt'));
  const b = fs.readFileSync(path.join(refDir, 'checkpoint.ckpt'));
  expect(a.equals(b)).toBe(true);
});
