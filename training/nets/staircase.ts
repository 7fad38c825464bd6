/**
 * Masked products that skip the mask's zeros, as a plan: a MADE mask keeps entry [i, o] iff
 * outDegrees[o] >= inDegrees[i] (or >), so with degrees that rise along a run of columns each column needs only a
 * prefix of each run of rows, and about half of a dense product x . (W∘M) multiplies zeros. Cutting the columns into
 * blocks, each given only the row ranges its mask touches, turns the triangle into a staircase of dense products.
 *
 * Pure data from the degrees. The ONNX export lowers big masked layers of inference graphs this way
 * (export/lower/dense.ts), where the weights are constants packed once. tfjs training does not: on the wasm backend
 * every product's right-hand operand is packed anew each step, and the staircase's many smaller products measured
 * no faster than one dense product (docs/benchmarks.md).
 */

export interface Range {
  start: number;
  end: number;
}

/** A block of output columns `range` and the input row ranges it needs; no pieces: the block sees no input. */
export interface Block {
  range: Range;
  pieces: Range[];
}

export interface StaircasePlan {
  rows: number;
  cols: number;
  /** y[:, block] = sum over pieces p of x[:, p] . W[p, block]. */
  colBlocks: Block[];
  /** Multiply-adds of the forward plan over those of the dense product. */
  work: number;
}

export interface StaircaseOptions {
  /** Target block length; each run of degrees is cut into round(length / block) blocks (at least 1). */
  block?: number;
  /** Block boundaries fall on multiples of this inside a run (GEMM micro-kernels like whole tiles). */
  align?: number;
}

/** Maximal index ranges over which `degrees` does not decrease. */
export function risingRuns(degrees: readonly number[]): Range[] {
  const runs: Range[] = [];
  let start = 0;
  for (let i = 1; i <= degrees.length; i++) {
    if (i === degrees.length || degrees[i] < degrees[i - 1]) {
      runs.push({ start, end: i });
      start = i;
    }
  }
  return runs;
}

function cut(run: Range, block: number, align: number): Range[] {
  const len = run.end - run.start;
  const n = Math.max(1, Math.round(len / block));
  const bounds = [run.start];
  for (let k = 1; k < n; k++) {
    const b = run.start + Math.round((len * k) / n / align) * align;
    if (b > bounds[bounds.length - 1] && b < run.end) bounds.push(b);
  }
  bounds.push(run.end);
  return bounds.slice(1).map((end, k) => ({ start: bounds[k], end }));
}

/** How many leading entries of the rising run are < v (<= v when `inclusive`). */
function countBelow(degrees: readonly number[], run: Range, v: number, inclusive: boolean): number {
  let lo = run.start;
  let hi = run.end;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (inclusive ? degrees[mid] <= v : degrees[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo - run.start;
}

function merged(pieces: Range[]): Range[] {
  const out: Range[] = [];
  for (const p of pieces) {
    if (p.end <= p.start) continue;
    const last = out[out.length - 1];
    if (last && last.end === p.start) last.end = p.end;
    else out.push({ ...p });
  }
  return out;
}

/**
 * The staircase of a mask given by degrees: entry [i, o] is kept iff outDegrees[o] >= inDegrees[i] (> if strict).
 * Exact for any degrees; it saves work when both sides come in few rising runs (MADE: the inputs' order, hidden
 * units k mod (D-1), outputs twice the inputs' order).
 */
export function staircasePlan(
  inDegrees: readonly number[],
  outDegrees: readonly number[],
  strict: boolean,
  opts: StaircaseOptions = {},
): StaircasePlan {
  const block = opts.block ?? 256;
  const align = opts.align ?? 8;
  const inRuns = risingRuns(inDegrees);
  const outRuns = risingRuns(outDegrees);
  const rows = inDegrees.length;
  const cols = outDegrees.length;
  // Column o needs row i iff inDegrees[i] < outDegrees[o] (strict) or <=: within a rising run of rows, a prefix.
  // Every column of a block needs at most what its last (largest) degree needs.
  const colBlocks = outRuns.flatMap((run) =>
    cut(run, block, align).map((range) => {
      const top = outDegrees[range.end - 1];
      const pieces = inRuns.map((r) => ({ start: r.start, end: r.start + countBelow(inDegrees, r, top, !strict) }));
      return { range, pieces: merged(pieces) };
    }),
  );
  let macs = 0;
  for (const b of colBlocks) for (const p of b.pieces) macs += (p.end - p.start) * (b.range.end - b.range.start);
  return { rows, cols, colBlocks, work: macs / (rows * cols) };
}

/** Number of products one application of the plan runs (forward). */
export function staircaseProducts(plan: StaircasePlan): number {
  return plan.colBlocks.reduce((s, b) => s + b.pieces.length, 0);
}
