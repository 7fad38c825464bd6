/** KID: the unbiased MMD^2 against a direct computation from full kernel matrices, and ~0 for one distribution. */
import { Random } from '../../runtime/core/random';
import { kid, mmdUnbiased } from '../../eval/kid';

/** Full kernel matrices, then the unbiased estimator with explicit i != j masks (float64 throughout). */
function directMmd(x: Float32Array, m: number, y: Float32Array, n: number, d: number): number {
  const k = (a: Float32Array, i: number, b: Float32Array, j: number) => {
    let s = 0;
    for (let t = 0; t < d; t++) s += a[i * d + t] * b[j * d + t];
    return Math.pow(s / d + 1, 3);
  };
  let xx = 0, yy = 0, xy = 0;
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) if (i !== j) xx += k(x, i, x, j);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) yy += k(y, i, y, j);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) xy += k(x, i, y, j);
  return xx / (m * (m - 1)) + yy / (n * (n - 1)) - (2 * xy) / (m * n);
}

describe('mmdUnbiased', () => {
  test('matches the direct O(n^2) computation on small inputs of unequal sizes', () => {
    const rng = new Random(11);
    const d = 5, m = 17, n = 23;
    const x = rng.fillNormal(new Float32Array(m * d));
    const y = Float32Array.from(rng.fillNormal(new Float32Array(n * d)), (v) => 0.5 + 1.3 * v);
    const want = directMmd(x, m, y, n, d);
    expect(mmdUnbiased(x, m, y, n, d)).toBeCloseTo(want, 10);
    expect(want).toBeGreaterThan(0.1);
  });

  test('rejects inputs of the wrong size', () => {
    expect(() => mmdUnbiased(new Float32Array(6), 2, new Float32Array(5), 2, 3)).toThrow(/expected 2x3 and 2x3 values, got 6 and 5/);
    expect(() => mmdUnbiased(new Float32Array(3), 1, new Float32Array(6), 2, 3)).toThrow(/at least 2 rows/);
  });
});

describe('kid', () => {
  const d = 16;
  const sample = (rng: Random, n: number, shift: number) => Float32Array.from(rng.fillNormal(new Float32Array(n * d)), (v) => Math.abs(v) + shift);

  test('two samples of one distribution: the subset mean is within 3 standard errors of 0', () => {
    const rng = new Random(12);
    const x = sample(rng, 2000, 0);
    const y = sample(rng, 2000, 0);
    const r = kid(x, 2000, y, 2000, d, { subsets: 8, subsetSize: 300, seed: 1 });
    expect(r.subsets).toBe(8);
    expect(r.subsetSize).toBe(300);
    expect(Math.abs(r.mean)).toBeLessThan((3 * r.std) / Math.sqrt(r.subsets));
  });

  test('a shifted distribution gives a clearly positive value; a bigger shift a bigger one', () => {
    const rng = new Random(13);
    const x = sample(rng, 1000, 0);
    const small = kid(x, 1000, sample(rng, 1000, 0.2), 1000, d, { subsets: 4, subsetSize: 300 });
    const large = kid(x, 1000, sample(rng, 1000, 0.6), 1000, d, { subsets: 4, subsetSize: 300 });
    expect(small.mean).toBeGreaterThan((3 * small.std) / 2);
    expect(large.mean).toBeGreaterThan(small.mean);
  });

  test('one subset of every row equals the plain unbiased MMD^2', () => {
    const rng = new Random(14);
    const x = sample(rng, 40, 0), y = sample(rng, 40, 0.3);
    const r = kid(x, 40, y, 40, d, { subsets: 1, subsetSize: 40 });
    // The subset is a permutation of all rows, and MMD^2_u does not depend on row order.
    expect(r.mean).toBeCloseTo(directMmd(x, 40, y, 40, d), 9);
    expect(r.std).toBe(0);
  });
});
