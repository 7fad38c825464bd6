/**
 * Splitting work into batches bounds the memory a session needs (activations grow with the batch) while keeping
 * each call large enough to be efficient. Results never depend on the batch size: noise is drawn for all samples
 * up front and every model here is evaluated row by row (no batch statistics at inference).
 */

export interface BatchRange {
  start: number;
  count: number;
}

export const DEFAULT_MAX_BATCH = 256;

export function batchRanges(n: number, maxBatch: number): BatchRange[] {
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new Error(`maxBatch must be a positive integer, got ${maxBatch}`);
  const out: BatchRange[] = [];
  for (let start = 0; start < n; start += maxBatch) out.push({ start, count: Math.min(maxBatch, n - start) });
  return out;
}

/**
 * Runs `fn` on consecutive row blocks of `rows` ([n, width]) and concatenates its [count, outWidth] results.
 * Batches run one after the other: the sessions use all cores for a single batch already.
 */
export async function mapBatches(
  n: number,
  maxBatch: number,
  outWidth: number,
  fn: (range: BatchRange) => Promise<Float32Array>,
): Promise<Float32Array> {
  const out = new Float32Array(n * outWidth);
  for (const r of batchRanges(n, maxBatch)) {
    const y = await fn(r);
    if (y.length !== r.count * outWidth) {
      throw new Error(`batch [${r.start}, ${r.start + r.count}) returned ${y.length} values, expected ${r.count} x ${outWidth}`);
    }
    out.set(y, r.start * outWidth);
  }
  return out;
}
