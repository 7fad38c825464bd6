/**
 * The staircase plan of a masked product (training/nets/staircase.ts) against the mask itself: its column blocks
 * partition the columns, every entry the mask keeps lies in a row range of its column's block, and the work it
 * reports is the multiply-adds of its pieces. MADE layers with sequential and random orderings, D = 2 to 784.
 */
import { maskOf } from '../../../training/nets/layers';
import { madeDefinition } from '../../../families/maf/made';
import { risingRuns, staircasePlan, staircaseProducts } from '../../../training/nets/staircase';

test('risingRuns splits where the degrees fall', () => {
  expect(risingRuns([0, 1, 2, 0, 1, 1, 0])).toEqual([{ start: 0, end: 3 }, { start: 3, end: 6 }, { start: 6, end: 7 }]);
  expect(risingRuns([5])).toEqual([{ start: 0, end: 1 }]);
});

describe.each([
  [2, 8, 1, 'sequential'],
  [5, 12, 2, 'random'],
  [40, 100, 2, 'sequential'],
  [300, 512, 1, 'sequential'],
  [784, 1024, 2, 'sequential'],
] as const)('MADE D=%i hidden=%i nHidden=%i %s', (d, h, nHidden, ordering) => {
  const made = madeDefinition({ inputSize: d, hiddenSize: h, nHidden, ordering, seed: 3 });
  const layers = made.stack.filter((l) => l.kind === 'maskedDense');
  test.each(layers.map((l, i) => [i, l] as const))('layer %i: blocks cover every kept entry', (_i, layer) => {
    if (layer.kind !== 'maskedDense') throw new Error('unreachable');
    const rows = layer.inDegrees.length;
    const cols = layer.outDegrees.length;
    const plan = staircasePlan(layer.inDegrees, layer.outDegrees, layer.strict, { block: 64 });
    const mask = maskOf(layer);
    const covered = new Uint8Array(rows * cols);
    let at = 0;
    let macs = 0;
    for (const b of plan.colBlocks) {
      expect(b.range.start).toBe(at);
      at = b.range.end;
      for (const p of b.pieces) {
        macs += (p.end - p.start) * (b.range.end - b.range.start);
        for (let r = p.start; r < p.end; r++) for (let c = b.range.start; c < b.range.end; c++) covered[r * cols + c] = 1;
      }
    }
    expect(at).toBe(cols);
    let kept = 0;
    let missed = 0;
    for (let k = 0; k < rows * cols; k++) {
      if (mask[k]) kept++;
      if (mask[k] && !covered[k]) missed++;
    }
    expect(missed).toBe(0);
    expect(plan.work).toBeCloseTo(macs / (rows * cols), 12);
    // The plan never does less than the mask keeps, and never more than the dense product.
    expect(plan.work).toBeGreaterThanOrEqual(kept / (rows * cols));
    expect(plan.work).toBeLessThanOrEqual(1);
    expect(staircaseProducts(plan)).toBe(plan.colBlocks.reduce((s, b) => s + b.pieces.length, 0));
  });
});

test('the 784-1024-1568 MADE layers keep about 60-70% of the dense work with blocks of 256', () => {
  const made = madeDefinition({ inputSize: 784, hiddenSize: 1024, nHidden: 1 });
  const works = made.stack.flatMap((l) => (l.kind === 'maskedDense' ? [staircasePlan(l.inDegrees, l.outDegrees, l.strict, { block: 256 }).work] : []));
  for (const w of works) {
    expect(w).toBeGreaterThan(0.5);
    expect(w).toBeLessThan(0.75);
  }
});
