/**
 * Test helper: an independent MAF log-density in float64 plain JS, with the masks built from the PyTorch course
 * formulas (deg_in = arange(D), deg_h = arange(H) % (D-1), outputs arange(D) - 1 with >=; sequential ordering,
 * a reversal after every flow) rather than from made.ts. Masked weights are skipped, not multiplied by 0.
 */
import { Params } from '../../../training/nets/layers';

// Module-level aliases: under jest (a vm context) every global lookup such as `Math` inside a hot loop costs ~40x.
const { exp, log, max, PI } = Math;

export function referenceMaf(d: number, h: number, nHidden: number, nFlows: number, params: Params): (x: number[]) => number {
  const degH = Array.from({ length: h }, (_, k) => k % (d - 1));
  const weights = (name: string) => ({ w: Float64Array.from(params.get(`${name}.kernel`)!.dataSync()), b: Float64Array.from(params.get(`${name}.bias`)!.dataSync()) });
  const flows = Array.from({ length: nFlows }, (_, k) => ({
    hidden: Array.from({ length: nHidden }, (_, l) => weights(`flow${k}.h${l}`)),
    out: weights(`flow${k}.out`),
  }));
  const dense = (p: { w: Float64Array; b: Float64Array }, v: number[], keep: (i: number, j: number) => boolean, relu: boolean): number[] => {
    const nOut = p.b.length;
    const out: number[] = [];
    for (let j = 0; j < nOut; j++) {
      let s = p.b[j];
      for (let i = 0; i < v.length; i++) if (keep(i, j)) s += v[i] * p.w[i * nOut + j];
      out.push(relu ? max(0, s) : s);
    }
    return out;
  };
  return (x: number[]): number => {
    let hcur = x.slice();
    let logDet = 0;
    for (const f of flows) {
      let a = hcur;
      f.hidden.forEach((p, l) => {
        a = dense(p, a, l === 0 ? (i, j) => degH[j] >= i : (i, j) => degH[j] >= degH[i], true);
      });
      const out = nHidden > 0 ? dense(f.out, a, (i, j) => (j % d) - 1 >= degH[i], false) : dense(f.out, a, (i, j) => j % d > i, false);
      const z = hcur.map((xi, i) => (xi - out[i]) * exp(-out[d + i]));
      for (let i = 0; i < d; i++) logDet -= out[d + i];
      hcur = z.reverse();
    }
    return hcur.reduce((s, zi) => s - 0.5 * zi * zi - 0.5 * log(2 * PI), 0) + logDet;
  };
}
