import { makeMoons } from '../../../training/data/moons';

function meanStd(parts: Float32Array[], c: number): [number, number] {
  let s = 0;
  let n = 0;
  for (const p of parts) for (let i = c; i < p.length; i += 2) (s += p[i]), n++;
  const m = s / n;
  let v = 0;
  for (const p of parts) for (let i = c; i < p.length; i += 2) v += (p[i] - m) ** 2;
  return [m, Math.sqrt(v / n)];
}

describe('makeMoons', () => {
  const a = makeMoons({ seed: 5 });

  test('same seed, same points; another seed, other points', () => {
    const b = makeMoons({ seed: 5 });
    expect(Buffer.from(b.train.buffer).equals(Buffer.from(a.train.buffer))).toBe(true);
    expect(Buffer.from(b.test.buffer).equals(Buffer.from(a.test.buffer))).toBe(true);
    const c = makeMoons({ seed: 6 });
    expect(Buffer.from(c.train.buffer).equals(Buffer.from(a.train.buffer))).toBe(false);
  });

  test('30000 points split 24000 / 3000 / 3000, half on each moon', () => {
    expect([a.train.length, a.val.length, a.test.length]).toEqual([48000, 6000, 6000]);
    const inner = [a.labels.train, a.labels.val, a.labels.test].reduce((s, l) => s + l.reduce((x, y) => x + y, 0), 0);
    expect(inner).toBe(15000);
  });

  test('standardized over all 30000: mean ~0, std ~1 per coordinate, and mean/std describe the raw data', () => {
    for (const c of [0, 1]) {
      const [m, s] = meanStd([a.train, a.val, a.test], c);
      expect(Math.abs(m)).toBeLessThan(1e-6);
      expect(Math.abs(s - 1)).toBeLessThan(1e-6);
    }
    // sklearn's moons (noise 0.05): x in about [-1, 2] with mean 0.5, y in about [-0.5, 1] with mean 0.25.
    const raw = makeMoons({ seed: 5, standardize: false });
    const [mx] = meanStd([raw.train, raw.val, raw.test], 0);
    const [my] = meanStd([raw.train, raw.val, raw.test], 1);
    // (raw was rounded to float32, the reported mean was taken in float64)
    expect(Math.abs(a.mean[0] - mx)).toBeLessThan(1e-7);
    expect(Math.abs(a.mean[1] - my)).toBeLessThan(1e-7);
    expect(Math.abs(mx - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(my - 0.25)).toBeLessThan(0.01);
    expect((raw.train[0] - a.mean[0]) / a.std[0]).toBeCloseTo(a.train[0], 5);
  });

  test('without noise and shuffle: the two sklearn half circles, t evenly spaced over [0, pi]', () => {
    const m = makeMoons({ n: 1000, noise: 0, shuffle: false, standardize: false });
    const pts = [m.train, m.val, m.test];
    const all = new Float32Array(2000);
    let o = 0;
    for (const p of pts) all.set(p, o), (o += p.length);
    const bad: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const x = all[2 * i];
      const y = all[2 * i + 1];
      if (i < 500) {
        // outer: (cos t, sin t), t = pi i / 499
        if (Math.abs(x - Math.cos((Math.PI * i) / 499)) > 1e-6 || Math.abs(y - Math.sin((Math.PI * i) / 499)) > 1e-6) bad.push(`outer ${i}: ${x}, ${y}`);
      } else {
        // inner: (1 - cos t, 1 - sin t - 0.5), t = pi (i - 500) / 499
        const t = (Math.PI * (i - 500)) / 499;
        if (Math.abs(x - (1 - Math.cos(t))) > 1e-6 || Math.abs(y - (0.5 - Math.sin(t))) > 1e-6) bad.push(`inner ${i}: ${x}, ${y}`);
      }
    }
    expect(bad).toEqual([]);
    const at = (i: number) => [all[2 * i], all[2 * i + 1]].map((v) => Math.round(v * 1e6) / 1e6 + 0);
    expect([at(0), at(499), at(500), at(999)]).toEqual([[1, 0], [-1, 0], [0, 0.5], [2, 0.5]]);
    expect(Array.from(m.labels.train.subarray(0, 3)).concat(Array.from(m.labels.test.subarray(97)))).toEqual([0, 0, 0, 1, 1, 1]);
  });

  test('noise is N(0, 0.05^2) on top of the same shuffled points', () => {
    const clean = makeMoons({ seed: 9, noise: 0, standardize: false });
    const noisy = makeMoons({ seed: 9, noise: 0.05, standardize: false });
    let s = 0;
    let s2 = 0;
    const n = clean.train.length;
    for (let i = 0; i < n; i++) {
      const d = noisy.train[i] - clean.train[i];
      s += d;
      s2 += d * d;
    }
    const mean = s / n;
    const std = Math.sqrt(s2 / n - mean * mean);
    expect(Math.abs(mean)).toBeLessThan(0.002); // 4 standard errors of 0.05/sqrt(48000)
    expect(Math.abs(std - 0.05)).toBeLessThan(0.001);
  });
});
