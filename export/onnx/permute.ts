/**
 * Column permutations of a batch, x [N, D] -> x[:, perm] [N, D], as every flow graph needs between its layers.
 * onnxruntime's CPU Gather on axis 1 moves one element at a time, on axis 0 whole rows: the columns are moved as the
 * rows of the transpose (Transpose, Gather on axis 0, Transpose), an exact copy either way, several times faster at
 * the batch sizes people sample with (docs/findings.md).
 */
import { GraphBuilder, attr } from './graph-builder';

/** x [N, D] with columns taken in `perm` order (new column i = old column perm[i]). */
export function gatherColumns(g: GraphBuilder, x: string, perm: readonly number[], hint: string): string {
  return rowsToColumns(g, gatherRows(g, g.op('Transpose', [x], { perm: attr.ints([1, 0]) }, `${hint}.by_row`), perm, `${hint}.rows`), hint);
}

/** xt [D, N] with rows taken in `perm` order. */
export function gatherRows(g: GraphBuilder, xt: string, perm: readonly number[], hint: string): string {
  return g.op('Gather', [xt, g.int64s([...perm])], { axis: attr.int(0) }, hint);
}

/** [D, N] -> [N, D]. */
export function rowsToColumns(g: GraphBuilder, xt: string, hint: string): string {
  return g.op('Transpose', [xt], { perm: attr.ints([1, 0]) }, hint);
}
