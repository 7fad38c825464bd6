import { batchRanges, mapBatches } from '../../runtime/core/batching';
import { imageGrid, toRGBA } from '../../runtime/core/grid';
import { latentNoise } from '../../runtime/core/noise';
import { Random } from '../../runtime/core/random';

describe('latent noise', () => {
  test('row-major normal draws from new Random(seed)', () => {
    const z = latentNoise(42, 3, 4);
    const r = new Random(42);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) expect(z[i * 4 + j]).toBe(Math.fround(r.normal()));
  });

  test('the first rows do not depend on how many samples are drawn', () => {
    const a = latentNoise(7, 2, 5);
    const b = latentNoise(7, 10, 5);
    expect([...b.subarray(0, 10)]).toEqual([...a]);
  });
});

describe('batching', () => {
  test('ranges cover [0, n) in order with at most maxBatch each', () => {
    expect(batchRanges(10, 4)).toEqual([{ start: 0, count: 4 }, { start: 4, count: 4 }, { start: 8, count: 2 }]);
    expect(batchRanges(4, 4)).toEqual([{ start: 0, count: 4 }]);
    expect(() => batchRanges(4, 0)).toThrow(/maxBatch must be a positive integer/);
  });

  test('mapBatches concatenates per-batch results and checks their size', async () => {
    const out = await mapBatches(5, 2, 2, async ({ start, count }) => Float32Array.from({ length: count * 2 }, (_, k) => start * 2 + k));
    expect([...out]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await expect(mapBatches(3, 2, 1, async () => new Float32Array(1))).rejects.toThrow(/batch \[0, 2\) returned 1 values, expected 2 x 1/);
  });
});

describe('image grid', () => {
  test('places tiles row by row with padding and maps [-1, 1] to 0..255', () => {
    // 3 images of 2x2 gray: image i has all pixels at value v_i.
    const vals = [-1, 0, 1];
    const data = new Float32Array(3 * 4);
    vals.forEach((v, i) => data.fill(v, i * 4, i * 4 + 4));
    const g = imageGrid({ data, n: 3, height: 2, width: 2, channels: 1, range: [-1, 1] }, { cols: 2, pad: 1, padValue: 50 });
    // width = 2 cols * 2 + 3 pads = 7; height = 2 rows * 2 + 3 pads = 7
    expect([g.width, g.height, g.channels]).toEqual([7, 7, 1]);
    const at = (x: number, y: number) => g.data[y * g.width + x];
    expect(at(0, 0)).toBe(50);
    expect(at(1, 1)).toBe(0); // image 0 (value -1), top-left tile
    expect(at(4, 2)).toBe(128); // image 1 (value 0 -> 127.5 rounds to 128), top-right tile
    expect(at(1, 4)).toBe(255); // image 2 (value 1), second row
    expect(at(4, 4)).toBe(50); // empty 4th slot stays padding
  });

  test('clips values outside the range and converts to RGBA', () => {
    const g = imageGrid({ data: new Float32Array([-3, 3]), n: 2, height: 1, width: 1, channels: 1, range: [0, 1] }, { cols: 2, pad: 0 });
    expect([...g.data]).toEqual([0, 255]);
    expect([...toRGBA(g)]).toEqual([0, 0, 0, 255, 255, 255, 255, 255]);
  });

  test('rejects data of the wrong size', () => {
    expect(() => imageGrid({ data: new Float32Array(3), n: 1, height: 2, width: 2, channels: 1, range: [0, 1] })).toThrow(/data has 3 values, expected 1x2x2x1/);
  });
});
