/**
 * @jest-environment ./test/export/ort-environment.js
 *
 * Column permutations in ONNX graphs (export/onnx/permute.ts): what onnxruntime computes is x[:, perm] exactly,
 * checked against the permutation done here in plain JS, for square and non-square batches, the identity, a
 * reversal and a random permutation; the row form against its own reference.
 */
import * as ort from 'onnxruntime-node';
import { Random } from '../../runtime/core/random';
import { GraphBuilder } from '../../export/onnx/graph-builder';
import { buildModel, modelBytes } from '../../export/onnx/model';
import { DataType } from '../../export/onnx/proto';
import { gatherColumns, gatherRows, rowsToColumns } from '../../export/onnx/permute';

async function run(g: GraphBuilder, x: Float32Array, shape: number[]): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const s = await ort.InferenceSession.create(modelBytes(buildModel(g, {})));
  try {
    const out = (await s.run({ x: new ort.Tensor('float32', x, shape) })).y;
    return { data: out.data as Float32Array, dims: out.dims };
  } finally {
    await s.release();
  }
}

function values(n: number, rng: Random): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal());
}

describe('gatherColumns', () => {
  const rng = new Random(3);
  const d = 7;
  const cases: Array<[string, number[]]> = [
    ['identity', Array.from({ length: d }, (_, i) => i)],
    ['reversal', Array.from({ length: d }, (_, i) => d - 1 - i)],
    ['random', Array.from(new Random(11).permutation(d))],
  ];
  for (const n of [1, 5, 7]) {
    for (const [what, perm] of cases) {
      it(`x [${n}, ${d}] -> x[:, perm] exactly (${what})`, async () => {
        const g = new GraphBuilder('permute');
        const x = g.input('x', DataType.FLOAT, ['N', d]);
        g.output('y', gatherColumns(g, x, perm, 'p'), DataType.FLOAT, ['N', d]);
        const xs = values(n * d, rng);
        const want = new Float32Array(n * d);
        for (let r = 0; r < n; r++) for (let i = 0; i < d; i++) want[r * d + i] = xs[r * d + perm[i]];
        const got = await run(g, xs, [n, d]);
        expect(got.dims).toEqual([n, d]);
        expect(Array.from(got.data)).toEqual(Array.from(want));
      });
    }
  }

  it('gatherRows then rowsToColumns: xt [D, N] -> [N, D], column i = row perm[i]', async () => {
    const n = 3;
    const perm = Array.from(new Random(5).permutation(d));
    const g = new GraphBuilder('rows');
    const xt = g.input('x', DataType.FLOAT, [d, 'N']);
    g.output('y', rowsToColumns(g, gatherRows(g, xt, perm, 'r'), 't'), DataType.FLOAT, ['N', d]);
    const xs = values(d * n, rng);
    const want = new Float32Array(n * d);
    for (let r = 0; r < n; r++) for (let i = 0; i < d; i++) want[r * d + i] = xs[perm[i] * n + r];
    const got = await run(g, xs, [d, n]);
    expect(got.dims).toEqual([n, d]);
    expect(Array.from(got.data)).toEqual(Array.from(want));
  });
});
