/**
 * The sampling parity compares the rows whose samples did not diverge in either runtime (a trained flow's sampler can
 * overflow float32, or run far outside the data, for some z); keptRows decides which rows those are, with the bound
 * the runtimes take from the model card.
 */
import { keptRows } from '../../export/validate';
import { DIVERGED_RANGE_FACTOR, divergedRows, divergenceBound } from '../../runtime/core/flow';
import { toModel } from '../../runtime/core/data-transform';

test('keptRows keeps the rows with only finite values, whatever the non-finite value is', () => {
  const x = Float32Array.from([1, 2, 3, Infinity, 5, 6, 7, 8, 9, -Infinity, NaN, 0, 1, 2, -3]);
  expect(keptRows(x, 5, 3)).toEqual([0, 2, 4]);
  expect(divergedRows(x, 5, 3)).toEqual([1, 3]);
});

test('keptRows of an all-finite and an empty batch', () => {
  expect(keptRows(Float32Array.from([0, -1e38, 3.4e38, 1e-45]), 2, 2)).toEqual([0, 1]);
  expect(keptRows(new Float32Array(0), 0, 784)).toEqual([]);
});

test('with a bound, a row with any |value| beyond it diverged; values at the bound are kept', () => {
  const x = Float32Array.from([69, -69, 0, 69.5, 1, 2, -1e6, 0, 0]);
  expect(keptRows(x, 3, 3, 69)).toEqual([0]);
  expect(divergedRows(x, 3, 3, 69)).toEqual([1, 2]);
});

test("the bound of a logit image flow is DIVERGED_RANGE_FACTOR times the transform's own range; other flows have none", () => {
  for (const lambda of [1e-6, 0.05]) {
    const t = { kind: 'logit' as const, lambda, levels: 256 };
    // The extreme pixels 0 and 1 map to the ends of the range the data can reach.
    const ends = toModel(t, Float32Array.from([0, 1]), 1).x;
    expect(ends[0]).toBeCloseTo(-ends[1], 9);
    expect(divergenceBound(t)).toBeCloseTo(DIVERGED_RANGE_FACTOR * ends[1], 4);
  }
  expect(divergenceBound({ kind: 'logit', lambda: 0, levels: 256 })).toBe(Infinity);
  expect(divergenceBound({ kind: 'standardize', mean: [0, 0], std: [1, 1] })).toBe(Infinity);
  expect(divergenceBound({ kind: 'identity' })).toBe(Infinity);
});
