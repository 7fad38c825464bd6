import { Random } from '../../../runtime/core/random';
import { batchCount, batchOrder, gatherRows } from '../../../training/data/batches';
import { fromSymmetric, toSymmetric, toUnitDequantized } from '../../../training/data/pixels';

describe('batchOrder', () => {
  test('each epoch is a permutation cut into batches; dropLast drops the short tail', () => {
    const keep = batchOrder(10, 4, 1, 0, false);
    expect(keep.map((b) => b.length)).toEqual([4, 4, 2]);
    expect(Array.from(keep.flatMap((b) => Array.from(b))).sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const drop = batchOrder(10, 4, 1, 0, true);
    expect(drop.map((b) => b.length)).toEqual([4, 4]);
    expect(drop.map((b) => Array.from(b))).toEqual(keep.slice(0, 2).map((b) => Array.from(b)));
    expect([batchCount(10, 4, false), batchCount(10, 4, true), batchCount(3, 4, true)]).toEqual([3, 2, 0]);
  });

  test('deterministic per (seed, epoch): a resumed run gets the same remaining batches', () => {
    const seen = batchOrder(1000, 32, 7, 3, true).map((b) => Array.from(b));
    // "resume" at step 10 of epoch 3 after having drawn other epochs in between
    batchOrder(1000, 32, 7, 4, true);
    const resumed = batchOrder(1000, 32, 7, 3, true).slice(10).map((b) => Array.from(b));
    expect(resumed).toEqual(seen.slice(10));
  });

  test('different epochs and seeds give different orders', () => {
    const e0 = Array.from(batchOrder(100, 100, 7, 0, false)[0]);
    const e1 = Array.from(batchOrder(100, 100, 7, 1, false)[0]);
    const s8 = Array.from(batchOrder(100, 100, 8, 0, false)[0]);
    expect(e1).not.toEqual(e0);
    expect(s8).not.toEqual(e0);
  });

  test('gatherRows copies the chosen rows, keeps the array type and checks indices', () => {
    const src = Uint8Array.from([0, 1, 10, 11, 20, 21]);
    const g = gatherRows(src, 2, [2, 0]);
    expect(g).toBeInstanceOf(Uint8Array);
    expect(Array.from(g)).toEqual([20, 21, 0, 1]);
    expect(() => gatherRows(src, 2, [3])).toThrow('row index 3 out of range [0, 3)');
  });
});

describe('pixel scalings', () => {
  test('toSymmetric maps 0..255 onto [-1, 1] linearly and fromSymmetric inverts it', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const s = toSymmetric(all);
    expect([s[0], s[255]]).toEqual([-1, 1]);
    expect(s[128] - s[127]).toBeCloseTo(2 / 255, 6);
    expect(Array.from(fromSymmetric(s))).toEqual(Array.from(all));
  });

  test('toUnitDequantized keeps each value inside its pixel bin, deterministic per seed, u ~ U[0,1)', () => {
    const n = 50000;
    const px = Uint8Array.from({ length: n }, (_, i) => i % 256);
    const a = toUnitDequantized(px, new Random(3));
    const b = toUnitDequantized(px, new Random(3));
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    let sumU = 0;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      if (Math.floor(a[i] * 256) !== px[i]) outside++;
      sumU += a[i] * 256 - px[i];
    }
    expect(outside).toBe(0);
    expect(Math.abs(sumU / n - 0.5)).toBeLessThan(0.005); // 4 standard errors (1/sqrt(12 n))
  });

  test('u at its largest still rounds inside the bin (255 stays below 1)', () => {
    class Top extends Random {
      override uniform(): number {
        return 1 - 2 ** -32;
      }
    }
    const px = Uint8Array.from({ length: 256 }, (_, i) => i);
    const v = toUnitDequantized(px, new Top(0));
    for (let i = 0; i < 256; i++) expect(Math.floor(v[i] * 256)).toBe(i);
    expect(v[255]).toBeLessThan(1);
  });
});
