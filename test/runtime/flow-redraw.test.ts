/**
 * FlowCore.sample's handling of diverged rows, on a stand-in session whose "flow" is x = z except that a row whose
 * first latent exceeds a threshold comes out NaN: which rows are reported, which get fresh latents and from where,
 * and that every other row is left as it was.
 */
import { Engine, OrtLike, OrtTensorLike } from '../../runtime/core/engine';
import { FlowCore, MAX_REDRAW_ROUNDS, divergedRows, divergenceBound } from '../../runtime/core/flow';
import { FlowSpec } from '../../runtime/core/card';
import { latentNoise } from '../../runtime/core/noise';
import { Random } from '../../runtime/core/random';
import { divergenceText } from '../../cli/commands/sample';

const D = 3;

function fakeOrt(threshold: number, runaway = NaN): OrtLike {
  class T implements OrtTensorLike {
    constructor(readonly type: string, readonly data: Float32Array, readonly dims: readonly number[]) {}
  }
  return {
    Tensor: T as unknown as OrtLike['Tensor'],
    InferenceSession: {
      create: async () => ({
        inputNames: ['z'],
        outputNames: ['x'],
        run: async (feeds: Record<string, OrtTensorLike>) => {
          const z = feeds.z.data as Float32Array;
          const x = Float32Array.from(z);
          for (let r = 0; r < z.length / D; r++) if (z[r * D] > threshold) x[r * D + 1] = runaway;
          return { x: new T('float32', x, feeds.z.dims) };
        },
        release: async () => undefined,
      }),
    },
  };
}

function flow(threshold: number, runaway = NaN, transform: FlowSpec['transform'] = { kind: 'identity' }): FlowCore {
  const spec: FlowSpec = { name: 'stand-in', kind: 'maf', description: '', dims: D, space: 'x', transform, sample: { file: 'sample.onnx', z: 'z', x: 'x' } };
  return new FlowCore(spec, async () => Engine.create(fakeOrt(threshold, runaway), new Uint8Array(0), 'cpu'));
}

const rowOf = (a: Float32Array, r: number) => Array.from(a.subarray(r * D, (r + 1) * D));

test('without redraw: the diverged rows are reported and the rest is the seed\'s latents', async () => {
  const n = 40;
  const z = latentNoise(7, n, D);
  const want = Array.from({ length: n }, (_, r) => r).filter((r) => z[r * D] > 1);
  expect(want.length).toBeGreaterThan(2); // the test needs some diverged rows
  const s = await flow(1).sample({ n, seed: 7 });
  expect(s.diverged).toEqual(want);
  expect(s.redrawn).toEqual([]);
  expect(divergedRows(s.x, n, D)).toEqual(want);
});

test('with redraw: diverged rows get fresh latents from Random(seed, round), the others are untouched', async () => {
  const n = 40;
  const z = latentNoise(7, n, D);
  const first = Array.from({ length: n }, (_, r) => r).filter((r) => z[r * D] > 1);
  const s = await flow(1).sample({ n, seed: 7, redrawDiverged: true });
  expect(s.redrawn).toEqual(first);
  expect(s.diverged).toEqual([]);
  for (let r = 0; r < n; r++) if (!first.includes(r)) expect(rowOf(s.x, r)).toEqual(rowOf(z, r));
  // Round 1 gives the k-th diverged row the k-th row of Random(seed, 1); those that took it are that row exactly.
  const round1 = new Random(7, 1).fillNormal(new Float32Array(first.length * D));
  let took = 0;
  first.forEach((row, k) => {
    expect(rowOf(s.x, row).every(Number.isFinite)).toBe(true);
    if (round1[k * D] <= 1) {
      expect(rowOf(s.x, row)).toEqual(rowOf(round1, k));
      took++;
    }
  });
  expect(took).toBeGreaterThan(0);
  // Reproducible.
  expect(Array.from((await flow(1).sample({ n, seed: 7, redrawDiverged: true })).x)).toEqual(Array.from(s.x));
});

test('a row that diverges on every draw is reported after the last round', async () => {
  const s = await flow(-Infinity).sample({ n: 3, seed: 1, redrawDiverged: true });
  expect(s.redrawn).toEqual([0, 1, 2]);
  expect(s.diverged).toEqual([0, 1, 2]);
  expect(MAX_REDRAW_ROUNDS).toBeGreaterThan(0);
});

test('redrawDiverged must be a boolean', async () => {
  await expect(flow(1).sample({ n: 3, seed: 1, redrawDiverged: 'yes' as unknown as boolean })).rejects.toThrow(/redrawDiverged must be true or false, got "yes"/);
});

test('dgm sample says which samples diverged and what --redraw-diverged does', () => {
  expect(divergenceText({ n: 36, diverged: [], redrawn: [] }, false)).toBe('');
  expect(divergenceText({ n: 36, diverged: [2, 7], redrawn: [] }, false)).toBe(
    '; warning: 2 of 36 samples diverged (NaN/infinity; rows 2, 7; their non-finite pixels are drawn black): --redraw-diverged draws fresh latents for them',
  );
  expect(divergenceText({ n: 36, diverged: [2], redrawn: [] }, false, 69.0776)).toContain('1 of 36 samples diverged (NaN/infinity or some |x| > 69.08, far outside the data; rows 2;');
  expect(divergenceText({ n: 36, diverged: [], redrawn: [2, 7] }, true)).toBe('; 2 of 36 samples diverged and were drawn again from fresh latents (rows 2, 7)');
  expect(divergenceText({ n: 36, diverged: [], redrawn: [4] }, true)).toBe('; 1 of 36 samples diverged and was drawn again from fresh latents (rows 4)');
  expect(divergenceText({ n: 36, diverged: [7], redrawn: [2, 7] }, true)).toContain(`still after ${MAX_REDRAW_ROUNDS} fresh latents each`);
});

test('an image flow in logit coordinates: a finite row far outside the data diverged too; elsewhere only NaN/inf counts', async () => {
  const n = 40;
  const z = latentNoise(7, n, D);
  const runaway = Array.from({ length: n }, (_, r) => r).filter((r) => z[r * D] > 1);
  const logit = { kind: 'logit' as const, lambda: 1e-6, levels: 256 };
  const bound = divergenceBound(logit);
  expect((await flow(1, 1.01 * bound, logit).sample({ n, seed: 7 })).diverged).toEqual(runaway);
  expect((await flow(1, 0.99 * bound, logit).sample({ n, seed: 7 })).diverged).toEqual([]);
  expect((await flow(1, 1e9).sample({ n, seed: 7 })).diverged).toEqual([]);
  const redrawn = await flow(1, 1e9, logit).sample({ n, seed: 7, redrawDiverged: true });
  expect(redrawn.redrawn).toEqual(runaway);
  expect(divergedRows(redrawn.x, n, D, bound)).toEqual(redrawn.diverged);
});
