/** What the MAF graphs share: one MADE pass lowered from its stacks (made.ts), and the definition's sanity checks. */
import { MadeDefinition, conditionerStack, logScaleStack } from '../../training/nets/made';
import { MafDefinition, invertPermutation } from '../../training/nets/maf';
import { attr } from '../onnx/graph-builder';
import { lowerStack } from '../lower/stack';
import { ExportError, LowerContext } from '../lower/types';

/** One MADE pass on h [N, D]: mu, alpha [N, D] each. */
export function madePass(ctx: LowerContext, made: MadeDefinition, h: string, k: number): { mu: string; alpha: string } {
  const d = made.inputSize;
  const input = conditionerInputNode(ctx, made, h, d, `flow${k}`);
  const out = lowerStack(ctx, made.stack, { layout: 'vec', name: input, features: d });
  if (out.layout !== 'vec' || out.features !== 2 * d || out.perm) {
    throw new ExportError(`model "${ctx.model}": MADE of flow ${k} must output [N, ${2 * d}] (mu, alpha)`);
  }
  const [mu, a] = ctx.g.opN('Split', [out.name, ctx.g.int64s([d, d])], 2, { axis: attr.int(1) }, `flow${k}.mu_alpha`);
  return { mu, alpha: boundLogScaleNode(ctx, made, a, d, `flow${k}`) };
}

/**
 * made.ts logScaleStack lowered on a [N, D] (`features` columns; any shape, it is elementwise) in ctx.g (a graph or a
 * Loop body): the definition's own stack, so the bound is written once, in made.ts.
 */
export function boundLogScaleNode(ctx: LowerContext, made: Pick<MadeDefinition, 'logScaleBound'>, a: string, features: number, name: string): string {
  return lowerStack({ ...ctx, prefix: `${ctx.prefix}${name}.log_scale_` }, logScaleStack(made), { layout: 'vec', name: a, features }).name;
}

/** made.ts conditionerStack lowered on h (what the masked network reads), like boundLogScaleNode. */
export function conditionerInputNode(ctx: LowerContext, made: Pick<MadeDefinition, 'conditionerBound'>, h: string, features: number, name: string): string {
  return lowerStack({ ...ctx, prefix: `${ctx.prefix}${name}.conditioner_` }, conditionerStack(made), { layout: 'vec', name: h, features }).name;
}

export function checkDefinition(def: MafDefinition, model: string): void {
  for (const [k, f] of def.flows.entries()) {
    if (f.made.inputSize !== def.inputSize || f.permutation.length !== def.inputSize) {
      throw new ExportError(`model "${model}": flow ${k} does not have D = ${def.inputSize} dimensions`);
    }
    invertPermutation(f.permutation);
  }
}
