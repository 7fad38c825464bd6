/**
 * FID's Fréchet distance against closed forms: diagonal covariances, covariances sharing eigenvectors, a scaled
 * covariance, and arbitrary 2x2 covariances (where tr sqrt(S1^1/2 S2 S1^1/2) = sqrt(tr(S1 S2) + 2 sqrt(det S1 det S2))).
 * The statistics themselves against a hand computation and a two-pass float64 reference.
 */
import { Random } from '../../runtime/core/random';
import { frechetDistance, gaussianStats, GaussianStats } from '../../eval/fid';

function stats(mean: number[], cov: number[][]): GaussianStats {
  const d = mean.length;
  return { d, n: 1000, mean: Float64Array.from(mean), cov: Float64Array.from(cov.flat()) };
}

function diag(v: number[]): number[][] {
  return v.map((x, i) => v.map((_, j) => (i === j ? x : 0)));
}

/** A random rotation as a product of Givens rotations (independent of the code under test). */
function rotation(d: number, rng: Random): number[][] {
  const r = diag(new Array(d).fill(1));
  for (let k = 0; k < 4 * d; k++) {
    const i = rng.int(d);
    let j = rng.int(d - 1);
    if (j >= i) j += 1;
    const t = rng.uniform() * 2 * Math.PI;
    const c = Math.cos(t), s = Math.sin(t);
    for (let row = 0; row < d; row++) {
      const a = r[row][i], b = r[row][j];
      r[row][i] = c * a - s * b;
      r[row][j] = s * a + c * b;
    }
  }
  return r;
}

/** R diag(v) R^T. */
function rotated(r: number[][], v: number[]): number[][] {
  const d = v.length;
  return Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => {
    let s = 0;
    for (let k = 0; k < d; k++) s += r[i][k] * v[k] * r[j][k];
    return s;
  }));
}

describe('frechetDistance', () => {
  test('diagonal covariances: ||mu1 - mu2||^2 + sum(s1 + s2 - 2 sqrt(s1 s2))', () => {
    const rng = new Random(1);
    const d = 20;
    const m1 = Array.from({ length: d }, () => rng.normal());
    const m2 = Array.from({ length: d }, () => rng.normal());
    const s1 = Array.from({ length: d }, () => 0.1 + 3 * rng.uniform());
    const s2 = Array.from({ length: d }, () => 0.1 + 3 * rng.uniform());
    let want = 0;
    for (let j = 0; j < d; j++) want += (m1[j] - m2[j]) ** 2 + s1[j] + s2[j] - 2 * Math.sqrt(s1[j] * s2[j]);
    const got = frechetDistance(stats(m1, diag(s1)), stats(m2, diag(s2)));
    expect(got.value).toBeCloseTo(want, 9);
    expect(got.meanTerm + got.covTerm).toBeCloseTo(got.value, 12);
  });

  test('covariances sharing eigenvectors (not diagonal): the same sum over their eigenvalues', () => {
    const rng = new Random(2);
    const d = 64;
    const r = rotation(d, rng);
    const a = Array.from({ length: d }, () => 0.01 + rng.uniform());
    const b = Array.from({ length: d }, () => 0.01 + 2 * rng.uniform());
    const mean = new Array(d).fill(0);
    let want = 0;
    for (let j = 0; j < d; j++) want += a[j] + b[j] - 2 * Math.sqrt(a[j] * b[j]);
    const got = frechetDistance(stats(mean, rotated(r, a)), stats(mean, rotated(r, b)));
    expect(Math.abs(got.value - want)).toBeLessThan(1e-9 * d);
  });

  test('a covariance and its scaled copy c^2 S: (1 - c)^2 tr(S); identical statistics: 0', () => {
    const rng = new Random(3);
    const d = 128;
    // A dense SPD matrix with a spread of eigenvalues, some tiny (as ReLU features give).
    const eig = Array.from({ length: d }, (_, i) => (i < 10 ? 1e-8 : 0.01 + 5 * rng.uniform()));
    const s = rotated(rotation(d, rng), eig);
    const c = 1.7;
    const mean = Array.from({ length: d }, () => rng.normal());
    const tr = eig.reduce((x, y) => x + y, 0);
    const scaled = frechetDistance(stats(mean, s), stats(mean, s.map((row) => row.map((v) => c * c * v))));
    expect(Math.abs(scaled.value - (1 - c) ** 2 * tr)).toBeLessThan(1e-6 * tr);
    const same = frechetDistance(stats(mean, s), stats(mean, s));
    expect(Math.abs(same.value)).toBeLessThan(1e-6);
  });

  test('arbitrary 2x2 covariances: closed form of the trace of the square root', () => {
    const rng = new Random(4);
    for (let t = 0; t < 20; t++) {
      const spd = () => {
        const a = rng.normal(), b = rng.normal(), c = rng.normal(), e = rng.normal();
        // [a b; c e] [a b; c e]^T + 0.1 I
        return [[a * a + b * b + 0.1, a * c + b * e], [a * c + b * e, c * c + e * e + 0.1]];
      };
      const s1 = spd(), s2 = spd();
      const det = (m: number[][]) => m[0][0] * m[1][1] - m[0][1] * m[1][0];
      const trS1S2 = s1[0][0] * s2[0][0] + s1[0][1] * s2[1][0] + s1[1][0] * s2[0][1] + s1[1][1] * s2[1][1];
      const trSqrt = Math.sqrt(trS1S2 + 2 * Math.sqrt(det(s1) * det(s2)));
      const mu = [rng.normal(), rng.normal()];
      const want = mu[0] ** 2 + mu[1] ** 2 + s1[0][0] + s1[1][1] + s2[0][0] + s2[1][1] - 2 * trSqrt;
      const got = frechetDistance(stats([0, 0], s1), stats(mu, s2)).value;
      expect(got).toBeCloseTo(want, 9);
    }
  });

  test('feature dimensions must agree', () => {
    expect(() => frechetDistance(stats([0], [[1]]), stats([0, 0], diag([1, 1])))).toThrow(/dimensions differ \(1 vs 2\)/);
  });
});

describe('gaussianStats', () => {
  test('mean and unbiased covariance of three rows, by hand', () => {
    // rows (1,2), (3,4), (5,0): mean (3,2); deviations (-2,0), (0,2), (2,-2)
    const s = gaussianStats(Float32Array.from([1, 2, 3, 4, 5, 0]), 3, 2);
    expect([...s.mean]).toEqual([3, 2]);
    // sum of outer products: [[8, -4], [-4, 8]] / (3 - 1)
    expect([...s.cov]).toEqual([4, -2, -2, 4]);
  });

  test('agrees with a two-pass float64 reference on random rows', () => {
    const rng = new Random(5);
    const n = 300, d = 7;
    const x = rng.fillNormal(new Float32Array(n * d));
    const s = gaussianStats(x, n, d);
    for (let a = 0; a < d; a++) {
      let ma = 0;
      for (let i = 0; i < n; i++) ma += x[i * d + a];
      ma /= n;
      expect(s.mean[a]).toBeCloseTo(ma, 12);
      for (let b = 0; b < d; b++) {
        let mb = 0;
        for (let i = 0; i < n; i++) mb += x[i * d + b];
        mb /= n;
        let c = 0;
        for (let i = 0; i < n; i++) c += (x[i * d + a] - ma) * (x[i * d + b] - mb);
        expect(s.cov[a * d + b]).toBeCloseTo(c / (n - 1), 12);
      }
    }
  });

  test('bad input is an error naming what was expected', () => {
    expect(() => gaussianStats(new Float32Array(5), 2, 3)).toThrow(/5 values are not 2 rows of 3/);
    expect(() => gaussianStats(new Float32Array(3), 1, 3)).toThrow(/need n >= 2/);
    expect(() => gaussianStats(Float32Array.from([0, NaN, 1, 2]), 2, 2)).toThrow(/NaN or infinity/);
  });
});
