/**
 * The logit transform flows use on dequantized pixels (Dinh et al., RealNVP; Papamakarios et al., MAF):
 * y = logit(p), p = lambda + (1 - 2 lambda) x, for x in [0, 1). Pixels near 0 and 1 are pushed out to the real line,
 * where a Gaussian base density fits them; lambda keeps y finite at the edges.
 *
 * The flow models y, so its log-density must be moved back to x to be comparable with other work:
 *   log p_x(x) = log p_y(y) + log|det dy/dx|,   dy_i/dx_i = (1 - 2 lambda) / (p_i (1 - p_i))
 * and from x in [0,1)^D (dequantized 8-bit pixels, see pixels.ts) to bits per dimension of the 256-level data:
 *   bits/dim = (-log p_x(x) + D log 256) / (D log 2).
 */

export const DEFAULT_LOGIT_LAMBDA = 1e-6;

function checkLambda(lambda: number): void {
  if (!(lambda >= 0 && lambda < 0.5)) throw new Error(`logit transform: lambda must be in [0, 0.5), got ${lambda}`);
}

function checkDim(len: number, dim: number, what: string): void {
  if (!Number.isInteger(dim) || dim <= 0 || len % dim !== 0) {
    throw new Error(`${what}: length ${len} is not a whole number of examples of dimension ${dim}`);
  }
}

/**
 * x: [N*dim] in [0, 1) -> y: [N*dim], and logDet: [N], the per-example log|det dy/dx| (natural log), accumulated in
 * float64.
 */
export function logit(x: Float32Array, dim: number, lambda = DEFAULT_LOGIT_LAMBDA): { y: Float32Array; logDet: Float64Array } {
  checkLambda(lambda);
  checkDim(x.length, dim, 'logit');
  const n = x.length / dim;
  const y = new Float32Array(x.length);
  const logDet = new Float64Array(n);
  const scale = 1 - 2 * lambda;
  const logScale = Math.log(scale);
  for (let e = 0; e < n; e++) {
    let acc = 0;
    for (let j = e * dim; j < (e + 1) * dim; j++) {
      const xi = x[j];
      if (!(xi >= 0 && xi <= 1)) throw new Error(`logit: x[${j}] = ${xi} is outside [0, 1]`);
      // p and 1 - p computed separately so neither loses digits near the edges.
      const p = lambda + scale * xi;
      const q = lambda + scale * (1 - xi);
      const lp = Math.log(p);
      const lq = Math.log(q);
      y[j] = lp - lq;
      acc += logScale - lp - lq;
    }
    logDet[e] = acc;
  }
  return { y, logDet };
}

/** y: [N*D] -> x = (sigmoid(y) - lambda) / (1 - 2 lambda), the inverse of `logit` (for showing flow samples). */
export function logitInverse(y: Float32Array, lambda = DEFAULT_LOGIT_LAMBDA): Float32Array {
  checkLambda(lambda);
  const scale = 1 - 2 * lambda;
  const x = new Float32Array(y.length);
  for (let i = 0; i < y.length; i++) {
    const s = 1 / (1 + Math.exp(-y[i]));
    x[i] = (s - lambda) / scale;
  }
  return x;
}

/** log p_x(x) from the flow's log p_y(y) and logit's logDet, per example. */
export function logProbDataSpace(logProbY: ArrayLike<number>, logDet: ArrayLike<number>): Float64Array {
  if (logProbY.length !== logDet.length) {
    throw new Error(`logProbDataSpace: ${logProbY.length} log-densities but ${logDet.length} log-determinants`);
  }
  const out = new Float64Array(logProbY.length);
  for (let i = 0; i < out.length; i++) out[i] = logProbY[i] + logDet[i];
  return out;
}

/**
 * Bits per dimension of 8-bit data from a log-density (nats) of its dequantized version in [0, 1)^dim:
 * the density of the [0, 256)^dim version is p_x / 256^dim.
 */
export function bitsPerDim(logProbUnit: number, dim: number, levels = 256): number {
  return (-logProbUnit + dim * Math.log(levels)) / (dim * Math.LN2);
}
