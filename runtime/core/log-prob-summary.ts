/**
 * Summary of per-example log-densities. The mean is the figure to report (it is what bits/dim and the papers use),
 * but one example far outside the training data can own it: a flow extrapolates its scales exponentially, and a
 * single test image at -1e9 nats moves a 10000-image mean by 1e5. So the mean travels with the median and the
 * lowest example, which show at a glance whether it speaks for the set.
 */
export interface LogProbSummary {
  /** Examples given. */
  n: number;
  /** Examples with a finite value; the statistics below are over these. */
  finite: number;
  mean: number;
  /** Sample standard deviation (n - 1). */
  std: number;
  median: number;
  /** Median absolute deviation from the median: the spread that one far example cannot move. */
  mad: number;
  /** The lowest finite value and its index in the input (index -1 when none is finite). */
  lowest: { index: number; value: number };
}

export function summarizeLogProb(values: ArrayLike<number>): LogProbSummary {
  const f: number[] = [];
  let lowest = { index: -1, value: NaN };
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    f.push(v);
    if (lowest.index < 0 || v < lowest.value) lowest = { index: i, value: v };
  }
  if (f.length === 0) return { n: values.length, finite: 0, mean: NaN, std: NaN, median: NaN, mad: NaN, lowest };
  let s = 0;
  for (const v of f) s += v;
  const mean = s / f.length;
  let q = 0;
  for (const v of f) q += (v - mean) ** 2;
  const median = medianOf(Float64Array.from(f));
  const mad = medianOf(Float64Array.from(f, (v) => Math.abs(v - median)));
  return { n: values.length, finite: f.length, mean, std: Math.sqrt(q / Math.max(1, f.length - 1)), median, mad, lowest };
}

function medianOf(v: Float64Array): number {
  v.sort();
  const h = v.length >> 1;
  return v.length % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
}

/**
 * The lowest example is an outlier when it lies more than `k` median absolute deviations below the median (20 MADs is
 * ~13 standard deviations of a normal spread), in a set of at least 10: then the mean speaks for it, not for the set.
 */
export function lowestIsOutlier(s: LogProbSummary, k = 20): boolean {
  return s.finite >= 10 && s.median - s.lowest.value > k * s.mad;
}

/**
 * How much of the mean the lowest example owns: the mean of the others minus the mean of all, in the values' unit
 * (0 when there is one finite value or none).
 */
export function lowestExampleShare(s: LogProbSummary): number {
  if (s.finite < 2) return 0;
  const others = (s.mean * s.finite - s.lowest.value) / (s.finite - 1);
  return others - s.mean;
}

/** A number for a fixed-width column: fixed-point while it fits in `width`, else exponential. */
export function formatColumn(v: number, width: number, digits: number): string {
  let t = v.toFixed(digits);
  if (t.length > width - 1) t = v.toExponential(Math.max(1, Math.min(digits, width - 8)));
  return t.padStart(width);
}
