/**
 * Two moons, with scikit-learn's make_moons semantics: n//2 points on the outer moon (cos t, sin t) and the rest on
 * the inner one (1 - cos t, 1 - sin t - 0.5), t evenly spaced over [0, pi] (numpy linspace), the points shuffled,
 * then Gaussian noise added. Our Random replaces numpy's generator, so the points differ from sklearn's for the
 * same seed but are identical for the same seed here (Node and browser alike).
 *
 * The set is standardized with the mean/std of all n points (a 2-D flow trains faster on unit-scale data) and split
 * 80 / 10 / 10 % in shuffled order: 24000 / 3000 / 3000 for the default 30000.
 */
import { Random } from '../../runtime/core/random';

export interface MoonsOptions {
  seed?: number;
  n?: number;
  noise?: number;
  /** Default true; false keeps the sklearn order (outer moon first), for checking the geometry. */
  shuffle?: boolean;
  /** Default true; false returns raw coordinates (mean 0, std 1 are still reported for them). */
  standardize?: boolean;
}

export interface Moons {
  train: Float32Array; // [nTrain * 2], (x, y) pairs
  val: Float32Array; // [nVal * 2]
  test: Float32Array; // [nTest * 2]
  /** Moon of each point (0 outer, 1 inner), in the same order as the coordinates. */
  labels: { train: Uint8Array; val: Uint8Array; test: Uint8Array };
  /** Per coordinate, over all n points before the split; the data was (raw - mean) / std. */
  mean: [number, number];
  std: [number, number];
}

function linspace(start: number, stop: number, m: number): Float64Array {
  const out = new Float64Array(m);
  if (m === 1) {
    out[0] = start;
    return out;
  }
  const step = (stop - start) / (m - 1);
  for (let i = 0; i < m; i++) out[i] = start + i * step;
  out[m - 1] = stop;
  return out;
}

export function makeMoons(opts: MoonsOptions = {}): Moons {
  const seed = opts.seed ?? 0;
  const n = opts.n ?? 30000;
  const noise = opts.noise ?? 0.05;
  if (!Number.isInteger(n) || n < 10) throw new Error(`makeMoons: n must be an integer >= 10, got ${n}`);
  if (!(noise >= 0)) throw new Error(`makeMoons: noise must be >= 0, got ${noise}`);

  const nOut = Math.floor(n / 2);
  const nIn = n - nOut;
  const xy = new Float64Array(2 * n);
  const label = new Uint8Array(n);
  const tOut = linspace(0, Math.PI, nOut);
  const tIn = linspace(0, Math.PI, nIn);
  for (let i = 0; i < nOut; i++) {
    xy[2 * i] = Math.cos(tOut[i]);
    xy[2 * i + 1] = Math.sin(tOut[i]);
  }
  for (let i = 0; i < nIn; i++) {
    const k = nOut + i;
    xy[2 * k] = 1 - Math.cos(tIn[i]);
    xy[2 * k + 1] = 1 - Math.sin(tIn[i]) - 0.5;
    label[k] = 1;
  }

  const rng = new Random(seed);
  const order = opts.shuffle === false ? null : rng.permutation(n);
  const pts = new Float64Array(2 * n);
  const lab = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const src = order ? order[i] : i;
    pts[2 * i] = xy[2 * src] + noise * rng.normal();
    pts[2 * i + 1] = xy[2 * src + 1] + noise * rng.normal();
    lab[i] = label[src];
  }

  const mean: [number, number] = [0, 0];
  const std: [number, number] = [0, 0];
  for (let c = 0; c < 2; c++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += pts[2 * i + c];
    const m = s / n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (pts[2 * i + c] - m) ** 2;
    mean[c] = m;
    std[c] = Math.sqrt(v / n);
  }
  const standardize = opts.standardize !== false;
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 2; c++) out[2 * i + c] = standardize ? (pts[2 * i + c] - mean[c]) / std[c] : pts[2 * i + c];
  }

  const nTrain = Math.floor(0.8 * n);
  const nVal = Math.floor(0.1 * n);
  return {
    train: out.slice(0, 2 * nTrain),
    val: out.slice(2 * nTrain, 2 * (nTrain + nVal)),
    test: out.slice(2 * (nTrain + nVal)),
    labels: { train: lab.slice(0, nTrain), val: lab.slice(nTrain, nTrain + nVal), test: lab.slice(nTrain + nVal) },
    mean,
    std,
  };
}
