/** Elementwise activations: any layout passes through unchanged. */
import { attr } from '../onnx/graph-builder';
import { Lowering } from './types';

export const lowerRelu: Lowering<'relu'> = (ctx, _layer, x) => ({ ...x, name: ctx.g.op('Relu', [x.name]) });

export const lowerLeakyRelu: Lowering<'leakyRelu'> = (ctx, layer, x) => ({
  ...x,
  name: ctx.g.op('LeakyRelu', [x.name], { alpha: attr.float(layer.alpha) }),
});

export const lowerSigmoid: Lowering<'sigmoid'> = (ctx, _layer, x) => ({ ...x, name: ctx.g.op('Sigmoid', [x.name]) });

export const lowerTanh: Lowering<'tanh'> = (ctx, _layer, x) => ({ ...x, name: ctx.g.op('Tanh', [x.name]) });
