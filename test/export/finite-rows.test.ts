/**
 * The sampling parity compares the rows whose samples are finite in both runtimes (a trained flow's sampler can
 * overflow float32 for some z); finiteRows decides which rows those are.
 */
import { finiteRows } from '../../export/validate';

test('finiteRows keeps the rows with only finite values, whatever the non-finite value is', () => {
  const x = Float32Array.from([1, 2, 3, Infinity, 5, 6, 7, 8, 9, -Infinity, NaN, 0, 1, 2, -3]);
  expect(finiteRows(x, 5, 3)).toEqual([0, 2, 4]);
});

test('finiteRows of an all-finite and an empty batch', () => {
  expect(finiteRows(Float32Array.from([0, -1e38, 3.4e38, 1e-45]), 2, 2)).toEqual([0, 1]);
  expect(finiteRows(new Float32Array(0), 0, 784)).toEqual([]);
});
