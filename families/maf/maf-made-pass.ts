/** What the MAF graphs share: one MADE pass lowered from its stack, and the definition's sanity checks. */
import { MadeDefinition } from './made';
import { MafDefinition, invertPermutation } from './maf';
import { GraphBuilder, attr } from '../../export/onnx/graph-builder';
import { lowerStack } from '../../export/lower/stack';
import { ExportError, LowerContext } from '../../export/lower/types';

/** One MADE pass on h [N, D]: mu, alpha [N, D] each. */
export function madePass(ctx: LowerContext, made: MadeDefinition, h: string, k: number): { mu: string; alpha: string } {
  const d = made.inputSize;
  const input = conditionerInputNode(ctx.g, ctx.g, made, h, `flow${k}`);
  const out = lowerStack(ctx, made.stack, { layout: 'vec', name: input, features: d });
  if (out.layout !== 'vec' || out.features !== 2 * d || out.perm) {
    throw new ExportError(`model "${ctx.model}": MADE of flow ${k} must output [N, ${2 * d}] (mu, alpha)`);
  }
  const [mu, a] = ctx.g.opN('Split', [out.name, ctx.g.int64s([d, d])], 2, { axis: attr.int(1) }, `flow${k}.mu_alpha`);
  return { mu, alpha: boundLogScaleNode(ctx.g, ctx.g, made, a, `flow${k}`) };
}

/**
 * made.ts boundLogScale as nodes of `g` (a graph or a Loop body; constants go to `outer`): B * Tanh(a / B) when the
 * MADE has a bound, else a itself.
 */
export function boundLogScaleNode(g: GraphBuilder, outer: GraphBuilder, made: Pick<MadeDefinition, 'logScaleBound'>, a: string, name: string): string {
  const b = made.logScaleBound;
  if (b === undefined) return a;
  const t = g.op('Tanh', [g.op('Div', [a, outer.floatScalar(b)], {}, `${name}.alpha_over_bound`)], {}, `${name}.alpha_tanh`);
  return g.op('Mul', [t, outer.floatScalar(b)], {}, `${name}.alpha_bounded`);
}

/**
 * made.ts conditionerInput as nodes of `g` (constants go to `outer`): S * Tanh(h / S) when the MADE has a
 * conditioner bound, else h itself.
 */
export function conditionerInputNode(g: GraphBuilder, outer: GraphBuilder, made: Pick<MadeDefinition, 'conditionerBound'>, h: string, name: string): string {
  const s = made.conditionerBound;
  if (s === undefined) return h;
  const t = g.op('Tanh', [g.op('Div', [h, outer.floatScalar(s)], {}, `${name}.conditioner_over_bound`)], {}, `${name}.conditioner_tanh`);
  return g.op('Mul', [t, outer.floatScalar(s)], {}, `${name}.conditioner_in`);
}

export function checkDefinition(def: MafDefinition, model: string): void {
  for (const [k, f] of def.flows.entries()) {
    if (f.made.inputSize !== def.inputSize || f.permutation.length !== def.inputSize) {
      throw new ExportError(`model "${model}": flow ${k} does not have D = ${def.inputSize} dimensions`);
    }
    invertPermutation(f.permutation);
  }
}
