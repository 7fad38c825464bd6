/** Test helper: the integral of a 2-D flow's density over a square, to check that it is normalised. */
import { Params } from '../../../training/nets/layers';
import { MafDefinition, mafLogProbRows } from '../../../training/nets/maf';

/** Midpoint rule of exp(log p) over [-L, L]^2 with cell size h. */
export function gridIntegral(def: MafDefinition, params: Params, L: number, h: number): number {
  const m = Math.round((2 * L) / h);
  const pts = new Float32Array(m * m * 2);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      pts[2 * (i * m + j)] = -L + (i + 0.5) * h;
      pts[2 * (i * m + j) + 1] = -L + (j + 0.5) * h;
    }
  }
  const lp = mafLogProbRows(def, params, pts, 20000);
  let s = 0;
  for (const v of lp) s += Math.exp(v);
  return s * h * h;
}
