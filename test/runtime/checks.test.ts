import { checkCount, checkLabels, checkRows, checkSeed, parseSeed, MAX_SAMPLES } from '../../runtime/core/checks';

describe('input checks', () => {
  test('n must be an integer within limits', () => {
    expect(checkCount('n', 5)).toBe(5);
    expect(checkCount('n', MAX_SAMPLES)).toBe(MAX_SAMPLES);
    for (const bad of [0, -1, 2.5, MAX_SAMPLES + 1, NaN, '3', undefined]) {
      expect(() => checkCount('n', bad)).toThrow(/^n must be an integer in \[1, 10000\]/);
    }
  });

  test('seed must be an integer in [0, 2^32)', () => {
    expect(checkSeed(0)).toBe(0);
    expect(checkSeed(2 ** 32 - 1)).toBe(2 ** 32 - 1);
    for (const bad of [-7, 1.5, 2 ** 32, 1e20, NaN, Infinity, undefined, '3']) {
      expect(() => checkSeed(bad)).toThrow(`seed must be an integer in [0, 2^32 - 1] = [0, 4294967295], got ${typeof bad === 'string' ? JSON.stringify(bad) : String(bad)}`);
    }
    expect(parseSeed(' 42 ')).toBe(42);
    for (const bad of ['1e3', '-1', '4294967296', '', '0x10', '1.0']) expect(() => parseSeed(bad, '--seed')).toThrow(/^--seed must be an integer in \[0, 2\^32 - 1\]/);
  });

  test('labels: one class for all, or one per sample, integers in [0, 9]', () => {
    expect([...checkLabels(3, 4, 10)]).toEqual([3, 3, 3, 3]);
    expect([...checkLabels([0, 9, 4], 3, 10)]).toEqual([0, 9, 4]);
    expect(() => checkLabels(10, 2, 10)).toThrow(/labels must be an integer in \[0, 9\], got 10/);
    expect(() => checkLabels(-1, 2, 10)).toThrow(/labels must be an integer in \[0, 9\]/);
    expect(() => checkLabels(2.5, 2, 10)).toThrow(/labels must be an integer in \[0, 9\], got 2.5/);
    expect(() => checkLabels([1, 2], 3, 10)).toThrow(/one entry per sample \(n = 3\), got 2/);
    expect(() => checkLabels([1, 12, 2], 3, 10)).toThrow(/labels\[1\] must be an integer in \[0, 9\], got 12/);
    expect(() => checkLabels('3', 3, 10)).toThrow(/labels must be an integer or a list/);
  });

  test('rows: flat or nested, of the model width, all finite', () => {
    const flat = checkRows('x', [1, 2, 3, 4], 2);
    expect(flat.n).toBe(2);
    expect([...flat.data]).toEqual([1, 2, 3, 4]);
    const nested = checkRows('x', [[1, 2], [3, 4], [5, 6]], 2);
    expect(nested.n).toBe(3);
    expect([...nested.data]).toEqual([1, 2, 3, 4, 5, 6]);
    const f32 = new Float32Array([1, 2]);
    expect(checkRows('x', f32, 2).data).toBe(f32); // no copy for the common case
    expect(() => checkRows('x', [1, 2, 3], 2)).toThrow(/x must hold N rows of 2 values .* got length 3/);
    expect(() => checkRows('x', [[1, 2], [3]], 2)).toThrow(/x\[1\] must have 2 values \(the model's width\), got 1/);
    expect(() => checkRows('x', [[1, NaN]], 2)).toThrow(/x\[0\]\[1\] is NaN: every value must be finite/);
    expect(() => checkRows('x', new Float32Array([0, 0, Infinity, 0]), 2)).toThrow(/x\[1\]\[0\] is Infinity/);
    expect(() => checkRows('x', [], 2)).toThrow(/x must hold N rows|x must be a non-empty/);
    expect(() => checkRows('x', 'abc', 2)).toThrow(/x must be a non-empty Float32Array or array of rows of 2 numbers, got "abc"/);
  });
});
