/**
 * A row lookup, table [K, F] by int64 ids -> [..., F]: the one lowering of every embedding-like read, `dgm convert`'s
 * Embedding (tfjs-layers/embedding.ts), the conditional generator's label rows (label-dense.ts) and the Miyato head's
 * class embedding (export/graphs/discriminator.ts).
 */
import { GraphBuilder, attr } from '../onnx/graph-builder';

export function embeddingOp(g: GraphBuilder, table: string, ids: string, hint: string): string {
  return g.op('Gather', [table, ids], { axis: attr.int(0) }, hint);
}
