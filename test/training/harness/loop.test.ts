/**
 * runTraining on the cpu backend with a tiny Adam regression: resume after an interrupt or a crash ends with
 * byte-identical checkpoints (parameters, Adam state, noise state) and metrics to an uninterrupted run; a NaN stops
 * the run and keeps the last good checkpoint; memory stays flat; best-checkpoint tracking agrees with the metrics.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readCheckpoint } from '../../../training/harness/checkpoint';
import { readMetrics, type MetricsRecord } from '../../../training/harness/metrics-log';
import { trainTiny, type TinyOptions } from './tiny-model';

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'dgm-loop-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const dirOf = (name: string) => path.join(root, name);

async function train(o: TinyOptions) {
  const run = await trainTiny(o);
  run.dispose();
  return run.result;
}

function withoutTime(records: MetricsRecord[]) {
  return records.map(({ time: _time, ...rest }) => rest);
}

function filesEqual(a: string, b: string): boolean {
  return fs.readFileSync(a).equals(fs.readFileSync(b));
}

// 96 examples, batch 16: 6 steps per epoch; 40 steps end inside epoch 6, so resume has to land mid-epoch.
const STEPS = 40;

describe('runTraining', () => {
  let reference: string;

  beforeAll(async () => {
    reference = dirOf('reference');
    const r = await train({ runDir: reference, steps: STEPS, best: true });
    expect(r.status).toBe('completed');
    expect(r.step).toBe(STEPS);
  });

  test('the reference run wrote its files and its metrics hold interval, epoch and validation records', () => {
    expect(fs.readdirSync(reference).sort()).toEqual(['best.ckpt', 'checkpoint.ckpt', 'loss.svg', 'metrics.jsonl', 'run.json']);
    // run.json: what the runs view of `dgm serve` reads for the target and the outcome
    const status = JSON.parse(fs.readFileSync(path.join(reference, 'run.json'), 'utf8'));
    expect(status).toMatchObject({ version: 1, kind: 'tiny-regression', totalSteps: STEPS, stepsPerEpoch: 6, logEvery: 5, startStep: 0, outcome: 'completed', step: STEPS, pid: process.pid });
    const m = readMetrics(path.join(reference, 'metrics.jsonl'));
    expect(m.filter((r) => r.type === 'train').map((r) => r.step)).toEqual([5, 10, 15, 20, 25, 30, 35, 40]);
    expect(m.filter((r) => r.type === 'epoch').map((r) => r.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(m.filter((r) => r.type === 'epoch').every((r) => typeof r.val_mse === 'number' && typeof r.mse === 'number')).toBe(true);
    const ck = readCheckpoint(path.join(reference, 'checkpoint.ckpt'));
    expect([ck.kind, ck.step, ck.epoch]).toEqual(['tiny-regression', 40, 6]);
    expect(ck.tensors.map((t) => t.name)).toEqual([
      'tiny.d1.kernel', 'tiny.d1.bias', 'tiny.d2.kernel', 'tiny.d2.bias',
      'opt/adam/iter',
      'opt/adam/tiny.d1.kernel/m', 'opt/adam/tiny.d1.bias/m', 'opt/adam/tiny.d2.kernel/m', 'opt/adam/tiny.d2.bias/m',
      'opt/adam/tiny.d1.kernel/v', 'opt/adam/tiny.d1.bias/v', 'opt/adam/tiny.d2.kernel/v', 'opt/adam/tiny.d2.bias/v',
      'opt/adam/accBeta1', 'opt/adam/accBeta2',
    ]);
    expect(ck.tensors.find((t) => t.name === 'opt/adam/iter')!.data[0]).toBe(40);
  });

  test('interrupted twice (mid-epoch) and resumed: checkpoints and metrics are byte-identical to the uninterrupted run', async () => {
    const dir = dirOf('interrupted');
    const first = await train({ runDir: dir, steps: STEPS, best: true, stopAfter: 17 });
    expect(first.status).toBe('interrupted');
    expect(first.step).toBe(17);
    expect(first.message).toContain('interrupted after step 17 of 40');
    expect(first.message).toContain('Resume with: tiny --resume');
    expect(readCheckpoint(path.join(dir, 'checkpoint.ckpt')).step).toBe(17);
    const second = await train({ runDir: dir, steps: STEPS, best: true, resume: true, stopAfter: 9 });
    expect([second.status, second.step]).toEqual(['interrupted', 26]);
    const last = await train({ runDir: dir, steps: STEPS, best: true, resume: true });
    expect([last.status, last.step]).toEqual(['completed', STEPS]);
    expect(filesEqual(path.join(dir, 'checkpoint.ckpt'), path.join(reference, 'checkpoint.ckpt'))).toBe(true);
    expect(filesEqual(path.join(dir, 'best.ckpt'), path.join(reference, 'best.ckpt'))).toBe(true);
    expect(withoutTime(readMetrics(path.join(dir, 'metrics.jsonl')))).toEqual(withoutTime(readMetrics(path.join(reference, 'metrics.jsonl'))));
  });

  test('a crash between checkpoints: resume from the last one repeats the lost steps exactly, without duplicate metrics', async () => {
    const dir = dirOf('crashed');
    await expect(train({ runDir: dir, steps: STEPS, best: true, crashAt: 27 })).rejects.toThrow('simulated crash at step 27');
    // Checkpoints are written every 10 steps and at each epoch end (every 6): the last before step 27 is 24.
    expect(readCheckpoint(path.join(dir, 'checkpoint.ckpt')).step).toBe(24);
    expect(readMetrics(path.join(dir, 'metrics.jsonl')).some((r) => r.step === 25)).toBe(true); // logged, then lost
    const r = await train({ runDir: dir, steps: STEPS, best: true, resume: true });
    expect([r.status, r.step]).toEqual(['completed', STEPS]);
    expect(filesEqual(path.join(dir, 'checkpoint.ckpt'), path.join(reference, 'checkpoint.ckpt'))).toBe(true);
    expect(withoutTime(readMetrics(path.join(dir, 'metrics.jsonl')))).toEqual(withoutTime(readMetrics(path.join(reference, 'metrics.jsonl'))));
  });

  test('a shorter run extended with --resume and more steps ends where the long run ends', async () => {
    const dir = dirOf('extended');
    expect((await train({ runDir: dir, steps: 20, best: true })).status).toBe('completed');
    expect((await train({ runDir: dir, steps: STEPS, best: true, resume: true })).step).toBe(STEPS);
    expect(filesEqual(path.join(dir, 'checkpoint.ckpt'), path.join(reference, 'checkpoint.ckpt'))).toBe(true);
    const again = await train({ runDir: dir, steps: STEPS, best: true, resume: true });
    expect(again.message).toContain('nothing to do');
  });

  test('a NaN loss stops the run with a clear message and leaves the last good checkpoint untouched', async () => {
    const dir = dirOf('nan');
    const ckpt = path.join(dir, 'checkpoint.ckpt');
    let atStep20: Buffer | null = null;
    // The every-step hook of step 21 runs after step 20's checkpoint was written: remember those bytes.
    const r = await train({
      runDir: dir,
      steps: STEPS,
      nanAt: 23,
      onTensors: (step) => {
        if (step === 21) atStep20 = fs.readFileSync(ckpt);
      },
    });
    expect(r.status).toBe('diverged');
    expect(r.message).toContain('loss mse = NaN at step 23');
    expect(r.message).toContain(`The last good checkpoint is ${ckpt}`);
    expect(atStep20).not.toBeNull();
    expect(fs.readFileSync(ckpt).equals(atStep20!)).toBe(true);
    expect(readCheckpoint(ckpt).step).toBe(20);
    const m = readMetrics(path.join(dir, 'metrics.jsonl'));
    expect(m[m.length - 1]).toMatchObject({ type: 'diverged', step: 24, mse: 'NaN' });
    expect(fs.existsSync(path.join(dir, 'loss.svg'))).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8'))).toMatchObject({ outcome: 'diverged', step: 24 });
  });

  test('tf memory does not grow across steps, checkpoints and epoch ends', async () => {
    const counts: number[] = [];
    const r = await train({ runDir: dirOf('memory'), steps: 30, onTensors: (_s, n) => counts.push(n) });
    expect(r.status).toBe('completed');
    expect(counts.length).toBe(30);
    // Adam creates its moment variables in step 1; from then on the count must stay put.
    expect(new Set(counts.slice(1)).size).toBe(1);
  });

  test('an existing run is not overwritten by accident; --fresh starts over; a changed config cannot resume', async () => {
    const dir = dirOf('guarded');
    await train({ runDir: dir, steps: 6 });
    await expect(train({ runDir: dir, steps: 6 })).rejects.toThrow('already holds a checkpoint; continue it with --resume or start over with --fresh');
    await expect(train({ runDir: dir, steps: 12, resume: true, lr: 0.02 })).rejects.toThrow('its config differs in lr');
    await expect(train({ runDir: dir, steps: 12, resume: true, seed: 2 })).rejects.toThrow('it was trained with seed 1, this run has seed 2');
    await expect(train({ runDir: dir, steps: 12, resume: true, batchSize: 8 })).rejects.toThrow('its data spec');
    const fresh = await train({ runDir: dir, steps: 3, fresh: true });
    expect([fresh.status, readCheckpoint(path.join(dir, 'checkpoint.ckpt')).step]).toEqual(['completed', 3]);
    expect(readMetrics(path.join(dir, 'metrics.jsonl')).every((r) => r.step <= 3)).toBe(true);
    await expect(train({ runDir: dirOf('nothing-yet'), steps: 3, resume: true })).rejects.toThrow('checkpoint.ckpt does not exist (start without --resume)');
  });

  test('best.ckpt holds the epoch with the lowest val_mse, and patience stops the run early', async () => {
    const dir = dirOf('best');
    const r = await train({ runDir: dir, epochs: 40, best: true, patience: 3, lr: 0.05 });
    const epochs = readMetrics(path.join(dir, 'metrics.jsonl')).filter((x) => x.type === 'epoch');
    const vals = epochs.map((x) => x.val_mse as number);
    const iBest = vals.indexOf(Math.min(...vals));
    const best = readCheckpoint(path.join(dir, 'best.ckpt'));
    expect(best.step).toBe(epochs[iBest].step);
    expect(r.best).toEqual({ metric: 'val_mse', value: vals[iBest], step: epochs[iBest].step });
    expect(r.status).toBe('stopped-early');
    // Stopped right after the third evaluation without improvement.
    expect(epochs.length - 1 - iBest).toBe(3);
    expect(vals.slice(iBest + 1).every((v) => v >= vals[iBest])).toBe(true);
  });
});
