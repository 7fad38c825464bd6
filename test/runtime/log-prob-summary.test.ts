import { formatColumn, lowestExampleShare, lowestIsOutlier, summarizeLogProb } from '../../runtime/core/log-prob-summary';

describe('summarizeLogProb', () => {
  test('mean, sample std, median and lowest of a small set, by hand', () => {
    const s = summarizeLogProb([3, -1, 4, 1, 5]);
    expect(s).toMatchObject({ n: 5, finite: 5, median: 3, lowest: { index: 1, value: -1 } });
    expect(s.mean).toBeCloseTo(12 / 5, 12);
    // deviations from 2.4: 0.6, -3.4, 1.6, -1.4, 2.6 -> squares sum 23.2, / 4
    expect(s.std).toBeCloseTo(Math.sqrt(23.2 / 4), 12);
    expect(summarizeLogProb([2, 1, 4, 3]).median).toBe(2.5);
  });

  test('non-finite values are counted out, and an empty or all-infinite set has no statistics', () => {
    const s = summarizeLogProb(Float64Array.from([1, -Infinity, NaN, 3]));
    expect(s).toMatchObject({ n: 4, finite: 2, mean: 2, median: 2, lowest: { index: 0, value: 1 } });
    const none = summarizeLogProb([-Infinity]);
    expect(none.finite).toBe(0);
    expect(none.lowest.index).toBe(-1);
    expect(Number.isNaN(none.mean)).toBe(true);
  });

  test('one outlier owns the mean: the share is the others\' mean minus the mean', () => {
    // 9999 images at 2400 nats and one at -1e9 (what a 12-epoch maf-fmnist gave test image #977)
    const v = new Float64Array(10000).fill(2400);
    v[977] = -1e9;
    const s = summarizeLogProb(v);
    expect(s.median).toBe(2400);
    expect(s.lowest).toEqual({ index: 977, value: -1e9 });
    expect(s.mean).toBeCloseTo((9999 * 2400 - 1e9) / 10000, 6);
    expect(lowestExampleShare(s)).toBeCloseTo(2400 - s.mean, 6);
    expect(lowestExampleShare(summarizeLogProb([5]))).toBe(0);
    expect(s.mad).toBe(0);
    expect(lowestIsOutlier(s)).toBe(true);
  });

  test('outlier rule: more than 20 median absolute deviations below the median, in sets of 10 or more', () => {
    // 1..11: median 6, |v - 6| = 0,1,1,2,2,...,5,5 -> MAD 3
    const v = Array.from({ length: 11 }, (_, i) => i + 1);
    expect(summarizeLogProb(v)).toMatchObject({ median: 6, mad: 3 });
    expect(lowestIsOutlier(summarizeLogProb(v))).toBe(false);
    v[0] = 6 - 60; // exactly 20 MADs below (the MAD stays 3)
    expect(summarizeLogProb(v).mad).toBe(3);
    expect(lowestIsOutlier(summarizeLogProb(v))).toBe(false);
    v[0] = 6 - 61;
    expect(lowestIsOutlier(summarizeLogProb(v))).toBe(true);
    expect(lowestIsOutlier(summarizeLogProb([1, 2, -1e9]))).toBe(false); // too few to call anything an outlier
  });
});

describe('formatColumn', () => {
  test('fixed-point while it fits, exponential beyond, always right-aligned with a space before', () => {
    expect(formatColumn(2840.28, 14, 3)).toBe('      2840.280');
    const big = formatColumn(-1361477081.0732, 14, 3);
    expect(big).toHaveLength(14);
    expect(big.trim()).toBe('-1.361e+9');
    expect(Number(big)).toBeCloseTo(-1.361e9, -6);
    expect(formatColumn(2505360.3382, 11, 4).trim()).toBe('2.505e+6');
    expect(formatColumn(2505360.3382, 11, 4)[0]).toBe(' ');
  });
});
