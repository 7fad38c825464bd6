/** Learning-rate schedules against their closed forms, and the optimizer's setter. */
import { initBackend, shutdownBackend } from '../../../training/backend';
import { adam } from '../../../training/optim/fused-adam';
import { learningRateAt, parseLrSchedule } from '../../../training/optim/lr-schedule';

beforeAll(async () => {
  await initBackend({ backend: 'cpu', quiet: true });
});
afterAll(() => shutdownBackend());

test('constant gives the base rate at every step', () => {
  for (const step of [0, 1, 999, 1e6]) expect(learningRateAt({ kind: 'constant', base: 1e-3 }, step)).toBe(1e-3);
});

test('cosine: base at step 0, half at the middle, (1 + cos(pi t)) / 2 between, 0 at and after the end', () => {
  const s = { kind: 'cosine' as const, base: 1e-3, decaySteps: 3000 };
  expect(learningRateAt(s, 0)).toBe(1e-3);
  expect(learningRateAt(s, 1500)).toBeCloseTo(5e-4, 15);
  expect(learningRateAt(s, 750)).toBeCloseTo(1e-3 * (1 + Math.SQRT1_2) / 2, 15);
  expect(learningRateAt(s, 2250)).toBeCloseTo(1e-3 * (1 - Math.SQRT1_2) / 2, 15);
  expect(learningRateAt(s, 3000)).toBeCloseTo(0, 15);
  expect(learningRateAt(s, 5000)).toBeCloseTo(0, 15);
  // Non-increasing over the run.
  let prev = Infinity;
  for (let k = 0; k <= 3000; k += 7) {
    const lr = learningRateAt(s, k);
    expect(lr).toBeLessThanOrEqual(prev);
    prev = lr;
  }
});

test('bad schedules are errors that name what was expected', () => {
  expect(() => parseLrSchedule('linear')).toThrow(/expected one of constant, cosine, got "linear"/);
  expect(() => learningRateAt({ kind: 'cosine', base: 1e-3 }, 0)).toThrow(/decaySteps must be a positive integer, got undefined/);
  expect(() => learningRateAt({ kind: 'constant', base: 0 }, 0)).toThrow(/learning rate must be > 0, got 0/);
});

test('the fused Adam takes a new rate between steps and refuses a negative or non-finite one', () => {
  const opt = adam(1e-3);
  expect(opt.currentLearningRate).toBe(1e-3);
  opt.setLearningRate(2.5e-4);
  expect(opt.currentLearningRate).toBe(2.5e-4);
  expect(() => opt.setLearningRate(-1)).toThrow(/finite number >= 0, got -1/);
  expect(() => opt.setLearningRate(NaN)).toThrow(/got NaN/);
  opt.dispose();
});
