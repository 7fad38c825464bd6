import { Random } from '../../../runtime/core/random';
import { MIRRORABLE_CLASSES, mirrorDraw, mirrorRows } from '../../../training/data/mirror';

describe('mirror augmentation', () => {
  test('mirrorRows reverses each row of the chosen images only, and leaves its input alone', () => {
    // Two 2x3 images: values encode (image, row, column).
    const imgs = Uint8Array.from([10, 11, 12, 20, 21, 22, 110, 111, 112, 120, 121, 122]);
    const before = Array.from(imgs);
    const out = mirrorRows(imgs, [false, true], 2, 3);
    expect(Array.from(out)).toEqual([10, 11, 12, 20, 21, 22, 112, 111, 110, 122, 121, 120]);
    expect(Array.from(imgs)).toEqual(before);
    // Mirroring twice is the identity.
    expect(Array.from(mirrorRows(out, [false, true], 2, 3))).toEqual(before);
    expect(() => mirrorRows(imgs, [true], 2, 3)).toThrow(/12 values, expected 1 rows of 2x3 = 6/);
  });

  test('footwear is never mirrored, the rest about half the time, and the stream advances one draw per row', () => {
    expect(MIRRORABLE_CLASSES).toEqual([0, 1, 2, 3, 4, 6, 8]);
    const labels = Array.from({ length: 10000 }, (_, k) => k % 10);
    const a = new Random(5);
    const flips = mirrorDraw(labels, a);
    for (const c of [5, 7, 9]) expect(flips.some((f, k) => f && labels[k] === c)).toBe(false);
    const rate = flips.filter((f, k) => f && labels[k] === 0).length / 1000;
    expect(rate).toBeGreaterThan(0.45);
    expect(rate).toBeLessThan(0.55);
    const b = new Random(5);
    for (let k = 0; k < labels.length; k++) b.uniform();
    expect(a.uniform()).toBe(b.uniform());
  });
});
