/**
 * RealNVP's ONNX graphs (definition.ts), both single-pass, no Loop:
 *   density  x [N, D] -> log_prob [N], z [N, D]: per coupling the halves a, b, the conditioner lowered from its stack
 *            (export/lower), Split into raw log-scales and shifts, s = B Tanh(r / B), b * Exp(s) + t;
 *            log_prob = log N(z; 0, I) + sum s, the sums in float64 like maf-log-prob.ts.
 *   sampling z [N, D] -> x [N, D]: the couplings in reverse, (b - t) * Exp(-s).
 *
 * Permutations move no data where they need not. The state between couplings is its two halves, each a tensor whose
 * columns are a known list of the current order's columns (`Piece`). A permutation only relabels those lists. When
 * a coupling's conditioning half is one piece, in whatever order, the conditioner's first dense layer takes its
 * kernel rows in that order; when the transformed half is the other piece, the output layer emits its log-scales
 * and shifts in that order. A reversal (every other dense coupling) and the colour swap between local couplings cost
 * nothing then. Only a permutation that mixes the halves (the first mask, a shuffle) gathers the columns (Concat,
 * export/onnx/permute.ts), and z or x is put back in order once at the end. A local coupling's conditioner runs on
 * its grid: Reshape to [N, C, H, W], the convs, Reshape back; its halves must be in grid order.
 */
import { GraphBuilder, attr } from '../../export/onnx/graph-builder';
import { DataType } from '../../export/onnx/proto';
import { lowerStack } from '../../export/lower/stack';
import { ExportError, LowerContext, Weight, WeightMap } from '../../export/lower/types';
import { BuiltGraph } from '../../export/graphs/built-graph';
import { flowDensityOutputs, toDouble } from '../../export/graphs/flow-density';
import { invertPermutation } from '../maf/maf';
import { Coupling, RealNvpDefinition } from './definition';
import { gatherColumns } from '../../export/onnx/permute';

/** A tensor [N, cols.length] whose column j holds column cols[j] of the current order. */
interface Piece {
  name: string;
  cols: number[];
}

function isIdentity(p: readonly number[], offset = 0): boolean {
  return p.every((v, i) => v === i + offset);
}

/** The pieces as one tensor [N, D] in the current order. */
function assemble(g: GraphBuilder, pieces: Piece[], d: number, hint: string): string {
  const cols = pieces.flatMap((p) => p.cols);
  if (cols.length !== d) throw new ExportError(`RealNVP graph: the pieces hold ${cols.length} columns, expected ${d}`);
  const whole = pieces.length === 1 ? pieces[0].name : g.op('Concat', pieces.map((p) => p.name), { axis: attr.int(1) }, `${hint}.joined`);
  if (isIdentity(cols)) return whole;
  const at = invertPermutation(cols);
  return gatherColumns(g, whole, at, `${hint}.ordered`);
}

/** After a relabelling of the columns (new column i = old column perm[i]), or back (old column o = new perm[o]). */
function relabel(pieces: Piece[], map: readonly number[]): Piece[] {
  return pieces.map((p) => ({ name: p.name, cols: p.cols.map((c) => map[c]) }));
}

/** The piece holding exactly the columns [from, from + n), if there is one. */
function pieceOf(pieces: Piece[], from: number, n: number): Piece | undefined {
  return pieces.find((p) => p.cols.length === n && p.cols.every((c) => c >= from && c < from + n));
}

function permuted(w: Weight, rows: number, cols: number, rowOf: (i: number) => number, colOf: (j: number) => number): Weight {
  const out = new Float32Array(w.data.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = w.data[rowOf(i) * cols + colOf(j)];
  return { shape: w.shape, data: out };
}

function weight(ctx: LowerContext, name: string): Weight {
  const v = ctx.weights.get(name);
  if (!v) throw new ExportError(`model "${ctx.model}": missing weight "${name}"`);
  return v;
}

/**
 * The coupling's weights as the graph uses them: the output layer emits r / B instead of r for its raw log-scales
 * (no Div before the Tanh: exact when B is a power of two, the Fashion-MNIST default, otherwise within a rounding of
 * tfjs' (x W + b) / B); a dense first layer takes its inputs in the order `aCols` (columns of the half a), and a dense
 * output layer emits the log-scales and shifts of the half b in the order `bCols` (minus the split).
 */
function couplingWeights(ctx: LowerContext, c: Coupling, bound: number, aCols: number[], bCols: number[]): WeightMap {
  const first = c.net[0];
  const out = c.net[c.net.length - 1];
  if (out.kind !== 'dense' && out.kind !== 'conv2d') throw new ExportError(`model "${ctx.model}": a RealNVP conditioner must end in a dense or conv layer, got ${out.kind}`);
  const w = new Map(ctx.weights);
  if (!isIdentity(aCols)) {
    if (first.kind !== 'dense') throw new ExportError(`model "${ctx.model}": a conditioner that starts with ${first.kind} needs its inputs in order`);
    const k = weight(ctx, `${first.name}.kernel`);
    w.set(`${first.name}.kernel`, permuted(k, first.inFeatures, first.units, (i) => aCols[i], (j) => j));
  }
  const units = out.kind === 'dense' ? out.units : out.filters;
  const m = units / 2;
  const colOf = (j: number) => (j < m ? bCols[j] : m + bCols[j - m]);
  for (const p of ['kernel', 'bias']) {
    const name = `${out.name}.${p}`;
    let v = w.get(name) ?? weight(ctx, name);
    if (!isIdentity(bCols)) {
      if (out.kind !== 'dense') throw new ExportError(`model "${ctx.model}": a conditioner that ends in ${out.kind} needs its outputs in order`);
      v = permuted(v, v.data.length / units, units, (i) => i, colOf);
    }
    // Both layouts keep the output unit last: dense [in, units], conv [KH, KW, Cin, filters], bias [units].
    w.set(name, { shape: v.shape, data: Float32Array.from(v.data, (x, i) => (i % units < m ? x / bound : x)) });
  }
  return w;
}

/**
 * Coupling k on the state `pieces` (in its order): the halves a (columns [0, c)) and b ([c, D)) as pieces, gathered
 * only when no piece holds one of them, and the bounded log-scale (times `sign`) and the shift of b, in b's order.
 */
function coupling(ctx: LowerContext, def: RealNvpDefinition, c: Coupling, pieces: Piece[], k: number, sign: 1 | -1): { a: Piece; b: Piece; s: string; t: string } {
  const g = ctx.g;
  const d = def.inputSize;
  const m = d - c.split;
  let a = pieceOf(pieces, 0, c.split);
  let b = pieceOf(pieces, c.split, m);
  const inOrder = (p: Piece, from: number) => isIdentity(p.cols, from);
  const dense = c.net[0].kind === 'dense' && c.net[c.net.length - 1].kind === 'dense';
  if (!a || !b || (!dense && !(inOrder(a, 0) && inOrder(b, c.split)))) {
    const [ah, bh] = g.opN('Split', [assemble(g, pieces, d, `coupling${k}`), g.int64s([c.split, m])], 2, { axis: attr.int(1) }, `coupling${k}.halves`);
    a = { name: ah, cols: Array.from({ length: c.split }, (_, i) => i) };
    b = { name: bh, cols: Array.from({ length: m }, (_, i) => c.split + i) };
  }
  const lctx = { ...ctx, weights: couplingWeights(ctx, c, def.logScaleBound, a.cols, b.cols.map((v) => v - c.split)) };
  const gr = c.grid;
  let o: string;
  if (gr) {
    // The halves are the grid in channels-first order already: reshapes, no Transpose.
    const img = g.op('Reshape', [a.name, g.int64s([-1, gr.channels, gr.height, gr.width])], {}, `coupling${k}.grid`);
    const out = lowerStack(lctx, c.net, { layout: 'nchw', name: img, h: gr.height, w: gr.width, c: gr.channels });
    if (out.layout !== 'nchw' || out.c * out.h * out.w !== 2 * m) throw new ExportError(`model "${ctx.model}": the conditioner of coupling ${k} must output [N, ${2 * gr.channels}, ${gr.height}, ${gr.width}] (log-scales, shifts)`);
    o = g.op('Reshape', [out.name, g.int64s([-1, 2 * m])], {}, `coupling${k}.grid_out`);
  } else {
    const out = lowerStack(lctx, c.net, { layout: 'vec', name: a.name, features: c.split });
    if (out.layout !== 'vec' || out.features !== 2 * m || out.perm) throw new ExportError(`model "${ctx.model}": the conditioner of coupling ${k} must output [N, ${2 * m}] (log-scales, shifts)`);
    o = out.name;
  }
  const [r, t] = g.opN('Split', [o, g.int64s([m, m])], 2, { axis: attr.int(1) }, `coupling${k}.scale_shift`);
  // r is already r / B. sign -1 gives -s directly (the sampler's exp(-s)): tanh * (-B) is exactly -(tanh * B).
  const s = g.op('Mul', [g.op('Tanh', [r], {}, `coupling${k}.tanh`), g.floatScalar(sign * def.logScaleBound)], {}, sign === 1 ? `coupling${k}.log_scale` : `coupling${k}.neg_log_scale`);
  return { a, b, s, t };
}

function checkDefinition(def: RealNvpDefinition, model: string): void {
  def.couplings.forEach((c, k) => {
    if (c.permutation.length !== def.inputSize || !(c.split >= 1 && c.split < def.inputSize)) throw new ExportError(`model "${model}": coupling ${k} does not fit D = ${def.inputSize}`);
    invertPermutation(c.permutation);
  });
}

export function realnvpDensityGraph(def: RealNvpDefinition, weights: WeightMap, model: string): BuiltGraph {
  checkDefinition(def, model);
  const d = def.inputSize;
  const g = new GraphBuilder(`${model}.log_prob`);
  const ctx: LowerContext = { g, weights, model, prefix: '' };
  let pieces: Piece[] = [{ name: g.input('x', DataType.FLOAT, ['N', d]), cols: Array.from({ length: d }, (_, i) => i) }];
  let sumS: string | undefined;
  def.couplings.forEach((c, k) => {
    // Old column o is new column inv[o].
    pieces = relabel(pieces, invertPermutation(c.permutation));
    const { a, b, s, t } = coupling(ctx, def, c, pieces, k, 1);
    const y = g.op('Add', [g.op('Mul', [b.name, g.op('Exp', [s], {}, `coupling${k}.scale`)], {}, `coupling${k}.scaled`), t], {}, `coupling${k}.y`);
    pieces = [a, { name: y, cols: b.cols }];
    const s64 = toDouble(g, s, `coupling${k}.s_f64`);
    const sum = g.op('ReduceSum', [s64, g.int64s([1])], { keepdims: attr.int(0) }, `coupling${k}.sum_s`);
    sumS = sumS ? g.op('Add', [sumS, sum], {}, `sum_s_${k}`) : sum;
  });
  return flowDensityOutputs(g, assemble(g, pieces, d, 'z'), d, { sum: sumS!, op: 'Add' });
}

export function realnvpSampleGraph(def: RealNvpDefinition, weights: WeightMap, model: string): BuiltGraph {
  checkDefinition(def, model);
  const d = def.inputSize;
  const g = new GraphBuilder(`${model}.sample`);
  const ctx: LowerContext = { g, weights, model, prefix: '' };
  g.reserve('x');
  let pieces: Piece[] = [{ name: g.input('z', DataType.FLOAT, ['N', d]), cols: Array.from({ length: d }, (_, i) => i) }];
  for (let k = def.couplings.length - 1; k >= 0; k--) {
    const c = def.couplings[k];
    const { a, b, s: negS, t } = coupling(ctx, def, c, pieces, k, -1);
    const inv = g.op('Exp', [negS], {}, `coupling${k}.inv_scale`);
    const xb = g.op('Mul', [g.op('Sub', [b.name, t], {}, `coupling${k}.unshifted`), inv], {}, `coupling${k}.xb`);
    // Back to the order before coupling k: its column i was column permutation[i] there.
    pieces = relabel([a, { name: xb, cols: b.cols }], c.permutation);
  }
  g.output('x', assemble(g, pieces, d, 'x'), DataType.FLOAT, ['N', d]);
  return {
    role: 'sample',
    graph: g,
    inputs: [{ name: 'z', dtype: 'float32', shape: ['N', d], description: 'latent noise, N(0, I)' }],
    outputs: [{ name: 'x', dtype: 'float32', shape: ['N', d], description: 'samples, in the coordinates the model was trained on' }],
  };
}
