/**
 * The likelihood of a flow over 8-bit images modelled in logit space (maf-fmnist, realnvp-fmnist): pixels
 * dequantized with fixed noise to x in [0, 1)^D, y = logit(lambda + (1 - 2 lambda) x) for the flow, and
 * log p_x(x) = log p_y(y) + log|dy/dx| per image; bits/dim of the 8-bit data from the mean of log p_x.
 */
import type { Random } from '../../runtime/core/random';
import { summarizeLogProb } from '../../runtime/core/log-prob-summary';
import { bitsPerDim, logit } from '../data/logit';
import { toUnitDequantized } from '../data/pixels';

/** Dequantized + logit-transformed evaluation set: y [n*D] for the flow, logDet [n] of the logit per image. */
export interface EvalSet {
  y: Float32Array;
  logDet: Float64Array;
  n: number;
}

export interface LikelihoodReport {
  /** Mean log p_x(x), nats per image, x in [0,1)^D. */
  ll: number;
  /** Mean log p of the same data on the [0,256)^D scale (ll - D ln 256). */
  ll256: number;
  /** Mean log p_y(y) in logit space. */
  llLogit: number;
  bpd: number;
  /** Median of the per-image bits/dim: far from `bpd` when a few images own the mean. */
  medianBpd: number;
  /** The image with the lowest log p_x (nats, [0,1)^D) and its index in the set. */
  lowest: { index: number; ll: number };
}

/** Fixed dequantization noise from `rng`, then the logit transform (with its per-image log-determinant); images [n*d]. */
export function evalSet(images: Uint8Array, d: number, rng: Random, lambda: number): EvalSet {
  const { y, logDet } = logit(toUnitDequantized(images, rng), d, lambda);
  return { y, logDet, n: logDet.length };
}

/** Data-space likelihood of an evaluation set under a flow's log p_y (logProbRows: rows [N*d] -> [N]). */
export async function pixelLikelihood(logProbRows: (rows: Float32Array, batch: number) => Promise<Float32Array>, d: number, set: EvalSet): Promise<LikelihoodReport> {
  const lpY = await logProbRows(set.y, 500);
  let sY = 0, sX = 0;
  const lpX = new Float64Array(set.n);
  for (let i = 0; i < set.n; i++) {
    sY += lpY[i];
    lpX[i] = lpY[i] + set.logDet[i];
    sX += lpX[i];
  }
  const ll = sX / set.n;
  const summary = summarizeLogProb(lpX);
  return {
    ll, ll256: ll - d * Math.log(256), llLogit: sY / set.n, bpd: bitsPerDim(ll, d),
    medianBpd: bitsPerDim(summary.median, d), lowest: { index: summary.lowest.index, ll: summary.lowest.value },
  };
}
