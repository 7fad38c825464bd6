/**
 * Bookkeeping of what the classifier says about generated samples: for a conditional generator, how often the
 * classifier agrees with the class that was asked for (overall, per requested class, and the confusion matrix);
 * for any generator, the histogram of predicted classes (a mode that is never produced shows as a zero).
 */

/** Index of the largest logit of each row of [n, k]. */
export function argmaxRows(logits: Float32Array, k: number): Int32Array {
  if (k < 1 || logits.length % k !== 0) throw new Error(`argmaxRows: ${logits.length} logits are not rows of ${k}`);
  const n = logits.length / k;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (logits[i * k + j] > logits[i * k + best]) best = j;
    out[i] = best;
  }
  return out;
}

/** Fraction of rows predicted as each class. */
export function predictedHistogram(predicted: Int32Array, k: number): number[] {
  const h = new Array<number>(k).fill(0);
  for (const p of predicted) h[p] += 1;
  return h.map((c) => c / Math.max(predicted.length, 1));
}

export interface ClassFidelity {
  /** Fraction of samples the classifier puts in the requested class. */
  accuracy: number;
  /** Per requested class c: fraction of the samples asked for c that are classified as c (NaN if none asked). */
  perClass: number[];
  /** confusion[c][p]: samples asked for class c that the classifier calls p. */
  confusion: number[][];
  n: number;
}

export function classFidelity(requested: ArrayLike<number>, predicted: Int32Array, k: number): ClassFidelity {
  const n = requested.length;
  if (predicted.length !== n) throw new Error(`classFidelity: ${n} requested labels but ${predicted.length} predictions`);
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const c = requested[i];
    if (!Number.isInteger(c) || c < 0 || c >= k) throw new Error(`classFidelity: requested label ${c} at ${i} is not a class in 0..${k - 1}`);
    confusion[c][predicted[i]] += 1;
    if (predicted[i] === c) hits += 1;
  }
  const perClass = confusion.map((row, c) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total ? row[c] / total : NaN;
  });
  return { accuracy: n ? hits / n : NaN, perClass, confusion, n };
}
