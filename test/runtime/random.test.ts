import { Random } from '../../runtime/core/random';

describe('Random (seeded xoshiro128**)', () => {
  test('same seed and stream give the same sequence; other seeds or streams differ', () => {
    const a = new Random(42), b = new Random(42), c = new Random(43), d = new Random(42, 1);
    const sa = Array.from({ length: 16 }, () => a.nextU32());
    expect(Array.from({ length: 16 }, () => b.nextU32())).toEqual(sa);
    expect(Array.from({ length: 16 }, () => c.nextU32())).not.toEqual(sa);
    expect(Array.from({ length: 16 }, () => d.nextU32())).not.toEqual(sa);
  });

  test('state round-trips: resuming from a saved state continues the same stream', () => {
    const a = new Random(7);
    for (let i = 0; i < 100; i++) a.normal();
    const saved = a.getState();
    const next = Array.from({ length: 10 }, () => a.uniform());
    const r = Random.fromState(saved);
    expect(Array.from({ length: 10 }, () => r.uniform())).toEqual(next);
  });

  test('normal draws have mean ~0 and variance ~1 (n = 200000, 5 sigma bounds)', () => {
    const n = 200000;
    const x = new Random(1).fillNormal(new Float32Array(n));
    let s = 0, s2 = 0;
    for (const v of x) { s += v; s2 += v * v; }
    const mean = s / n, variance = s2 / n - mean * mean;
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(variance - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
  });

  test('uniform lies in [0,1) and permutation is a permutation', () => {
    const r = new Random(3);
    for (let i = 0; i < 10000; i++) { const u = r.uniform(); expect(u >= 0 && u < 1).toBe(true); }
    const p = Array.from(r.permutation(1000)).sort((a, b) => a - b);
    expect(p).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  test('bad seeds and states are rejected with a clear message', () => {
    expect(() => new Random(NaN)).toThrow(/seed must be a finite number/);
    expect(() => new Random(0).setState([1, 2, 3] as never)).toThrow(/4 unsigned 32-bit integers/);
  });
});
