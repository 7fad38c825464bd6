/** softBound (layers.ts): y = B * Tanh(x / B), elementwise, so any layout passes through unchanged. */
import { Lowering } from './types';

export const lowerSoftBound: Lowering<'softBound'> = (ctx, layer, x) => {
  const g = ctx.g;
  const h = `${ctx.prefix}bound`;
  const t = g.op('Tanh', [g.op('Div', [x.name, g.floatScalar(layer.bound)], {}, `${h}.over`)], {}, `${h}.tanh`);
  return { ...x, name: g.op('Mul', [t, g.floatScalar(layer.bound)], {}, h) };
};
