/**
 * The Fréchet distance between two Gaussians fitted to feature sets (FID when the features are a classifier's):
 *
 *   d^2 = ||mu1 - mu2||^2 + tr(S1) + tr(S2) - 2 tr( (S1^1/2 S2 S1^1/2)^1/2 )
 *
 * (tr((S1 S2)^1/2) written with the symmetric PSD product, whose square root is well defined). Both matrix square
 * roots come from ml-matrix's symmetric eigendecomposition; eigenvalues that round-off pushes below zero count as 0.
 * Statistics are accumulated in float64.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

export interface GaussianStats {
  /** Feature dimension. */
  d: number;
  /** Rows the statistics came from. */
  n: number;
  mean: Float64Array;
  /** Unbiased covariance (divided by n - 1), row-major [d, d]. */
  cov: Float64Array;
}

/** Mean and unbiased covariance of rows x [n, d] (row-major). */
export function gaussianStats(x: ArrayLike<number>, n: number, d: number): GaussianStats {
  if (!Number.isInteger(n) || !Number.isInteger(d) || n < 2 || d < 1) throw new Error(`gaussianStats: need n >= 2 rows of d >= 1 features, got n=${n}, d=${d}`);
  if (x.length !== n * d) throw new Error(`gaussianStats: ${x.length} values are not ${n} rows of ${d}`);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const cov = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = x[i * d + j] - mean[j];
    // Upper triangle only; mirrored below.
    for (let a = 0; a < d; a++) {
      const ra = row[a];
      if (ra === 0) continue; // ReLU features are often exactly 0 (after centring, rarely; cheap check anyway)
      const base = a * d;
      for (let b = a; b < d; b++) cov[base + b] += ra * row[b];
    }
  }
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      const v = cov[a * d + b] / (n - 1);
      cov[a * d + b] = v;
      cov[b * d + a] = v;
    }
  }
  for (const v of mean) if (!Number.isFinite(v)) throw new Error('gaussianStats: features contain NaN or infinity');
  return { d, n, mean, cov };
}

function toMatrix(a: Float64Array, d: number): Matrix {
  const m = new Matrix(d, d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) m.set(i, j, a[i * d + j]);
  return m;
}

/** Eigenvalues of a symmetric matrix and its eigenvectors (columns). */
function symmetricEigen(m: Matrix): { values: number[]; vectors: Matrix } {
  const e = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  return { values: e.realEigenvalues, vectors: e.eigenvectorMatrix };
}

/** Square root of a symmetric PSD matrix: V diag(sqrt(max(lambda, 0))) V^T. */
export function sqrtPsd(m: Matrix): Matrix {
  const { values, vectors } = symmetricEigen(m);
  const scaled = vectors.clone();
  for (let j = 0; j < values.length; j++) {
    const s = Math.sqrt(Math.max(values[j], 0));
    for (let i = 0; i < scaled.rows; i++) scaled.set(i, j, scaled.get(i, j) * s);
  }
  return scaled.mmul(vectors.transpose());
}

export interface FrechetParts {
  /** The distance d^2 (FID). */
  value: number;
  /** ||mu1 - mu2||^2 and the covariance term tr(S1) + tr(S2) - 2 tr(sqrt(...)). */
  meanTerm: number;
  covTerm: number;
}

export function frechetDistance(a: GaussianStats, b: GaussianStats): FrechetParts {
  if (a.d !== b.d) throw new Error(`frechetDistance: feature dimensions differ (${a.d} vs ${b.d})`);
  const d = a.d;
  let meanTerm = 0;
  for (let j = 0; j < d; j++) meanTerm += (a.mean[j] - b.mean[j]) ** 2;
  const s1 = toMatrix(a.cov, d);
  const s2 = toMatrix(b.cov, d);
  const r1 = sqrtPsd(s1);
  const product = r1.mmul(s2).mmul(r1);
  // Symmetrise: round-off leaves the product a hair off symmetric, and the symmetric solver reads one triangle.
  const sym = product.add(product.transpose()).mul(0.5);
  const traceSqrt = symmetricEigen(sym).values.reduce((acc, v) => acc + Math.sqrt(Math.max(v, 0)), 0);
  const covTerm = s1.trace() + s2.trace() - 2 * traceSqrt;
  return { value: meanTerm + covTerm, meanTerm, covTerm };
}
