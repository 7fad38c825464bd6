/** Test helper: the integral of a 2-D flow's density over a square, to check that it is normalised. */
import { Params } from '../../../training/nets/layers';
import { MafDefinition, mafLogProbRows } from '../../../families/maf/maf';

// A module-level alias: under jest (a vm context) a global lookup such as `Math` in a hot loop costs ~40x.
const { exp, max, round } = Math;

export interface GridIntegral {
  integral: number;
  /** Grid points where the float32 model gave NaN or +-inf (an intermediate overflowed), and the largest density
   *  the float64 fallback gives among them. */
  nonFinite: number;
  nonFiniteMaxDensity: number;
}

/**
 * Midpoint rule of exp(log p) over [-L, L]^2 with cell size h. Where float32 overflows far from the data, the
 * float64 `fallback` log-density (if given) stands in; without one such points count as density 0.
 */
export async function gridIntegral(def: MafDefinition, params: Params, L: number, h: number, fallback?: (x: number[]) => number): Promise<GridIntegral> {
  const m = round((2 * L) / h);
  const pts = new Float32Array(m * m * 2);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      pts[2 * (i * m + j)] = -L + (i + 0.5) * h;
      pts[2 * (i * m + j) + 1] = -L + (j + 0.5) * h;
    }
  }
  const lp = await mafLogProbRows(def, params, pts, 20000);
  let s = 0, nonFinite = 0, nonFiniteMaxDensity = 0;
  lp.forEach((v, k) => {
    if (Number.isFinite(v)) {
      s += exp(v);
    } else {
      nonFinite += 1;
      const p = fallback ? exp(fallback([pts[2 * k], pts[2 * k + 1]])) : 0;
      if (Number.isNaN(p)) throw new Error(`gridIntegral: the fallback density is NaN at (${pts[2 * k]}, ${pts[2 * k + 1]})`);
      s += p;
      nonFiniteMaxDensity = max(nonFiniteMaxDensity, p);
    }
  });
  return { integral: s * h * h, nonFinite, nonFiniteMaxDensity };
}
