/**
 * `dgm train` end to end in child processes (flags -> TrainFlags -> run -> message and exit code), with the tiny
 * regression registered as a model.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readCheckpoint } from '../../../training/harness/checkpoint';
import { readSettings } from '../../../training/harness/runs';

const FIXTURES = path.join(__dirname, 'fixtures');
// The child is a plain Node process: without jest's worker id (which it would inherit) code takes its Node paths.
const { JEST_WORKER_ID: _worker, ...CHILD_ENV } = process.env;

function dgm(...args: string[]) {
  const r = spawnSync(process.execPath, ['-r', path.join(FIXTURES, 'swc-register.js'), path.join(FIXTURES, 'train-cli-child.ts'), ...args], {
    cwd: path.join(__dirname, '..', '..', '..'),
    env: CHILD_ENV,
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'dgm-train-cli-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

test('train, resume with more steps, reject an unknown model', () => {
  const dir = path.join(root, 'tiny-run');
  const common = ['--backend', 'cpu', '--run-dir', dir, '--progress', 'lines', '--log-every', '4', '--seed', '3'];
  const first = dgm('train', 'tiny', ...common, '--steps', '8', '--set', 'lr=0.02');
  expect(first.err).toContain('cpu');
  expect([first.code, first.out]).toEqual([0, expect.stringContaining(`tiny-run: finished 8 steps`)]);
  expect(first.out).toContain('tiny-run step 8/8');
  expect(readCheckpoint(path.join(dir, 'checkpoint.ckpt')).config).toEqual(expect.objectContaining({ lr: 0.02 }));

  const resumed = dgm('train', 'tiny', ...common, '--steps', '12', '--set', 'lr=0.02', '--resume');
  expect(resumed.code).toBe(0);
  expect(resumed.out).toContain('resumed from');
  expect(readCheckpoint(path.join(dir, 'checkpoint.ckpt')).step).toBe(12);

  // (refusing to overwrite a run and unknown --set keys are covered in-process by loop.test.ts and below)
  const badModel = dgm('train', 'nope', '--backend', 'cpu');
  expect(badModel.code).toBe(1);
  expect(badModel.err).toMatch(/unknown model "nope"; trainable models: .*\btiny\b/);
});

test('readSettings types values by their defaults and names unknown keys', () => {
  expect(() => readSettings({ lrr: '1' }, { lr: 0.01 })).toThrow('--set lrr: unknown setting; this model has lr (default 0.01)');
  expect(readSettings({ lr: '0.5', name: 'x', flag: 'true' }, { lr: 1, name: 'a', flag: false, keep: 3 })).toEqual({ lr: 0.5, name: 'x', flag: true, keep: 3 });
  expect(() => readSettings({ lr: 'fast' }, { lr: 1 })).toThrow('--set lr=fast: expected a finite number');
  expect(() => readSettings({ lr: '1e999' }, { lr: 1 })).toThrow('--set lr=1e999: expected a finite number, got Infinity');
  expect(() => readSettings({ hidden: '0' }, { hidden: 8 }, { hidden: 'int>=1' })).toThrow('--set hidden=0: expected an integer >= 1');
  expect(() => readSettings({ flag: 'yes' }, { flag: false })).toThrow('--set flag=yes: expected true or false');
});
