/**
 * Minibatch order. The order of epoch e depends only on (seed, e), never on how many batches were drawn before, so
 * a run resumed mid-epoch from a checkpoint that stores (epoch, step) draws exactly the batches it would have drawn:
 * `batchOrder(n, b, seed, epoch, dropLast).slice(stepInEpoch)`.
 */
import { Random } from '../../runtime/core/random';

/** Number of batches one epoch yields. */
export function batchCount(n: number, batchSize: number, dropLast: boolean): number {
  checkArgs(n, batchSize);
  return dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
}

function checkArgs(n: number, batchSize: number): void {
  if (!Number.isInteger(n) || n < 0) throw new Error(`batchOrder: n must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(batchSize) || batchSize <= 0) throw new Error(`batchOrder: batchSize must be a positive integer, got ${batchSize}`);
}

/**
 * Epoch `epoch`'s batches of example indices: a permutation of 0..n-1 cut into batches of `batchSize`; with
 * `dropLast` a final short batch is dropped (useful where batch statistics need full batches), otherwise kept.
 */
export function batchOrder(n: number, batchSize: number, seed: number, epoch: number, dropLast: boolean): Int32Array[] {
  checkArgs(n, batchSize);
  if (!Number.isInteger(epoch) || epoch < 0) throw new Error(`batchOrder: epoch must be a non-negative integer, got ${epoch}`);
  // One independent stream per epoch (Random's `stream` argument) instead of continuing one generator.
  const perm = new Random(seed, epoch).permutation(n);
  const count = batchCount(n, batchSize, dropLast);
  const out: Int32Array[] = [];
  for (let b = 0; b < count; b++) out.push(perm.subarray(b * batchSize, Math.min(n, (b + 1) * batchSize)));
  return out;
}

/** Gathers rows `idx` of a row-major [N, rowLen] array into a new [idx.length, rowLen] array of the same type. */
export function gatherRows<T extends Float32Array | Uint8Array>(src: T, rowLen: number, idx: ArrayLike<number>): T {
  if (!Number.isInteger(rowLen) || rowLen <= 0 || src.length % rowLen !== 0) {
    throw new Error(`gatherRows: length ${src.length} is not a whole number of rows of ${rowLen}`);
  }
  const rows = src.length / rowLen;
  const out = new (src.constructor as { new (n: number): T })(idx.length * rowLen);
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i];
    if (!(r >= 0 && r < rows)) throw new Error(`gatherRows: row index ${r} out of range [0, ${rows})`);
    out.set(src.subarray(r * rowLen, (r + 1) * rowLen), i * rowLen);
  }
  return out;
}
