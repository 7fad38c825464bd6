/**
 * Test helpers: Jacobians by tfjs autodiff and log|det| by float64 LU, used to check the log-determinants the flows
 * return against an independent computation.
 */
import * as tf from '@tensorflow/tfjs-core';

/** J[i][j] = d f(x)_i / d x_j at one point x (length D), f: [1, D] -> [1, M], by one reverse-mode pass per output. */
export function jacobian(f: (x: tf.Tensor2D) => tf.Tensor2D, x: number[]): number[][] {
  const x0 = tf.tensor2d(x, [1, x.length]);
  const m = tf.tidy(() => f(x0).shape[1]);
  const rows: number[][] = [];
  for (let i = 0; i < m; i++) {
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.slice(f(v as tf.Tensor2D), [0, i], [1, 1])))(x0);
    rows.push(Array.from(g.dataSync()));
    g.dispose();
  }
  x0.dispose();
  return rows;
}

/** log|det A| of a square matrix, Gaussian elimination with partial pivoting in float64. */
export function logAbsDet(a: number[][]): number {
  const n = a.length;
  const m = a.map((r) => {
    if (r.length !== n) throw new Error('logAbsDet: matrix is not square');
    return r.slice();
  });
  let acc = 0;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    if (m[p][c] === 0) return -Infinity;
    [m[c], m[p]] = [m[p], m[c]];
    acc += Math.log(Math.abs(m[c][c]));
    for (let r = c + 1; r < n; r++) {
      const f = m[r][c] / m[c][c];
      for (let k = c; k < n; k++) m[r][k] -= f * m[c][k];
    }
  }
  return acc;
}
