/**
 * Kernel Inception Distance (Bińkowski et al. 2018) in a given feature space: the unbiased estimate of the squared
 * MMD with the cubic polynomial kernel k(x, y) = (x.y / d + 1)^3,
 *
 *   MMD^2_u = 1/(m(m-1)) sum_{i != j} k(x_i, x_j) + 1/(n(n-1)) sum_{i != j} k(y_i, y_j) - 2/(mn) sum_{i,j} k(x_i, y_j),
 *
 * averaged over random subsets (the O(n^2) kernel sums on 10000 x 10000 pairs would be too slow in JavaScript;
 * subsets of 1000 are the usual choice). Unlike FID it is unbiased, so two samples of one distribution give ~0.
 */
import { Random } from '../runtime/core/random';

function kernel(x: ArrayLike<number>, i: number, y: ArrayLike<number>, j: number, d: number): number {
  let dot = 0;
  const a = i * d;
  const b = j * d;
  for (let k = 0; k < d; k++) dot += x[a + k] * y[b + k];
  const t = dot / d + 1;
  return t * t * t;
}

/** Unbiased MMD^2 between rows x [m, d] and y [n, d] (all rows), polynomial kernel of degree 3. */
export function mmdUnbiased(x: ArrayLike<number>, m: number, y: ArrayLike<number>, n: number, d: number): number {
  if (m < 2 || n < 2) throw new Error(`mmdUnbiased: need at least 2 rows on each side, got ${m} and ${n}`);
  if (x.length !== m * d || y.length !== n * d) throw new Error(`mmdUnbiased: expected ${m}x${d} and ${n}x${d} values, got ${x.length} and ${y.length}`);
  let kxx = 0;
  for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) kxx += kernel(x, i, x, j, d);
  let kyy = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) kyy += kernel(y, i, y, j, d);
  let kxy = 0;
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) kxy += kernel(x, i, y, j, d);
  return (2 * kxx) / (m * (m - 1)) + (2 * kyy) / (n * (n - 1)) - (2 * kxy) / (m * n);
}

export interface KidResult {
  /** Mean of the subset estimates. */
  mean: number;
  /** Standard deviation of the subset estimates. */
  std: number;
  subsets: number;
  subsetSize: number;
}

function rowsAt(src: ArrayLike<number>, idx: Int32Array, d: number): Float32Array {
  const out = new Float32Array(idx.length * d);
  for (let i = 0; i < idx.length; i++) for (let k = 0; k < d; k++) out[i * d + k] = src[idx[i] * d + k];
  return out;
}

/**
 * KID: MMD^2_u on `subsets` pairs of random subsets of `subsetSize` rows (drawn without replacement within a
 * subset, from `new Random(seed)`), mean and standard deviation over the subsets.
 */
export function kid(x: ArrayLike<number>, m: number, y: ArrayLike<number>, n: number, d: number, opts: { subsets?: number; subsetSize?: number; seed?: number } = {}): KidResult {
  const subsets = opts.subsets ?? 10;
  const size = Math.min(opts.subsetSize ?? 1000, m, n);
  if (!Number.isInteger(subsets) || subsets < 1) throw new Error(`kid: subsets must be a positive integer, got ${subsets}`);
  const rng = new Random(opts.seed ?? 0, 0x6b6964);
  const values: number[] = [];
  for (let s = 0; s < subsets; s++) {
    const ix = rng.permutation(m).subarray(0, size);
    const iy = rng.permutation(n).subarray(0, size);
    values.push(mmdUnbiased(rowsAt(x, ix, d), size, rowsAt(y, iy, d), size, d));
  }
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = values.length > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1)) : 0;
  return { mean, std, subsets, subsetSize: size };
}
