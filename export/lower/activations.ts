/**
 * One lowering per activation, for both paths: the project's LayerSpec activations (relu, leakyRelu, sigmoid, tanh:
 * any layout passes through unchanged) and `dgm convert`'s activation strings and activation layers
 * (tfjs-layers/activations.ts reads the config and calls `activationOp`). Each is lowered to the ONNX ops that compute
 * what tfjs computes (gelu by erf, gelu_new by its tanh form, swish and mish as products), with opset-17 ops only.
 */
import { GraphBuilder, attr } from '../onnx/graph-builder';
import { Lowering } from './types';

/** Every activation string tfjs-layers accepts (its ActivationIdentifier plus logSoftmax). */
export const ACTIVATIONS = ['linear', 'relu', 'relu6', 'elu', 'selu', 'sigmoid', 'hardSigmoid', 'tanh', 'softplus', 'softsign', 'softmax', 'logSoftmax', 'swish', 'mish', 'gelu', 'gelu_new'] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

export type Activation =
  /** softmax and logSoftmax run over stored axis `axis`. */
  | { op: Exclude<ActivationName, 'elu'>; axis?: number }
  | { op: 'elu'; alpha: number }
  | { op: 'leakyRelu'; alpha: number }
  /** ReLU with a maxValue. */
  | { op: 'clip'; min: number; max: number }
  | { op: 'thresholdedRelu'; theta: number };

/** Every op `activationOp` lowers: the strings, plus the parametrised forms of the activation layers. */
export const ACTIVATION_OPS = [...ACTIVATIONS, 'leakyRelu', 'clip', 'thresholdedRelu'] as const;
// ACTIVATION_OPS lists exactly the ops of `Activation` (a compile error otherwise).
type Mismatch = Exclude<(typeof ACTIVATION_OPS)[number], Activation['op']> | Exclude<Activation['op'], (typeof ACTIVATION_OPS)[number]>;
const opsListed: [Mismatch] extends [never] ? true : never = true;
void opsListed;

export function isActivationName(v: unknown): v is ActivationName {
  return typeof v === 'string' && (ACTIVATIONS as readonly string[]).includes(v);
}

/** `a(x)` as tfjs computes it; `hint` names the nodes (default: the op's type, for single-op activations). */
export function activationOp(g: GraphBuilder, x: string, a: Activation, hint?: string): string {
  const h = hint ?? a.op;
  const one = (op: string, attrs = {}) => g.op(op, [x], attrs, hint);
  switch (a.op) {
    case 'linear':
      return x;
    case 'relu':
      return one('Relu');
    case 'relu6':
      return g.op('Clip', [x, g.floatScalar(0), g.floatScalar(6)], {}, h);
    case 'clip':
      return g.op('Clip', [x, g.floatScalar(a.min), g.floatScalar(a.max)], {}, h);
    case 'elu':
      return one('Elu', { alpha: attr.float(a.alpha) });
    case 'leakyRelu':
      return one('LeakyRelu', { alpha: attr.float(a.alpha) });
    case 'thresholdedRelu':
      return one('ThresholdedRelu', { alpha: attr.float(a.theta) });
    case 'selu':
      // ONNX's default alpha and gamma are tfjs's constants rounded to float32.
      return one('Selu');
    case 'sigmoid':
      return one('Sigmoid');
    case 'hardSigmoid':
      return one('HardSigmoid', { alpha: attr.float(0.2), beta: attr.float(0.5) });
    case 'tanh':
      return one('Tanh');
    case 'softplus':
      return one('Softplus');
    case 'softsign':
      return one('Softsign');
    case 'softmax':
    case 'logSoftmax': {
      if (a.axis === undefined) throw new Error(`activationOp: ${a.op} needs the stored axis`);
      return one(a.op === 'softmax' ? 'Softmax' : 'LogSoftmax', { axis: attr.int(a.axis) });
    }
    case 'swish':
      return g.op('Mul', [x, g.op('Sigmoid', [x], {}, `${h}.sigmoid`)], {}, h);
    case 'mish':
      return g.op('Mul', [x, g.op('Tanh', [g.op('Softplus', [x], {}, `${h}.softplus`)], {}, `${h}.tanh`)], {}, h);
    case 'gelu': {
      // x * 0.5 * (1 + erf(x / sqrt 2)), tfjs's exact form (ONNX's Gelu op needs opset 20).
      const e = g.op('Erf', [g.op('Div', [x, g.floatScalar(Math.SQRT2)], {}, `${h}.scaled`)], {}, `${h}.erf`);
      const cdf = g.op('Mul', [g.floatScalar(0.5), g.op('Add', [g.floatScalar(1), e], {}, `${h}.1p`)], {}, `${h}.cdf`);
      return g.op('Mul', [x, cdf], {}, h);
    }
    case 'gelu_new': {
      // 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
      const cube = g.op('Mul', [g.op('Mul', [x, x], {}, `${h}.sq`), x], {}, `${h}.cube`);
      const inner = g.op('Add', [x, g.op('Mul', [g.floatScalar(0.044715), cube], {}, `${h}.c3`)], {}, `${h}.inner`);
      const t = g.op('Tanh', [g.op('Mul', [g.floatScalar(Math.sqrt(2 / Math.PI)), inner], {}, `${h}.arg`)], {}, `${h}.tanh`);
      const half = g.op('Mul', [g.floatScalar(0.5), x], {}, `${h}.half`);
      return g.op('Mul', [half, g.op('Add', [g.floatScalar(1), t], {}, `${h}.1p`)], {}, h);
    }
  }
}

export const lowerRelu: Lowering<'relu'> = (ctx, _layer, x) => ({ ...x, name: activationOp(ctx.g, x.name, { op: 'relu' }) });

export const lowerLeakyRelu: Lowering<'leakyRelu'> = (ctx, layer, x) => ({ ...x, name: activationOp(ctx.g, x.name, { op: 'leakyRelu', alpha: layer.alpha }) });

export const lowerSigmoid: Lowering<'sigmoid'> = (ctx, _layer, x) => ({ ...x, name: activationOp(ctx.g, x.name, { op: 'sigmoid' }) });

export const lowerTanh: Lowering<'tanh'> = (ctx, _layer, x) => ({ ...x, name: activationOp(ctx.g, x.name, { op: 'tanh' }) });
