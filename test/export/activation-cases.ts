/**
 * The parity cases of the shared activation lowering (export/lower/activations.ts activationOp, which both the
 * LayerSpec activations and dgm convert's activation strings and layers call): one per op, each with the tfjs-layers
 * layer that computes it as reference. activations.test.ts runs them; lowering-coverage.test.ts reads their ops.
 * gelu_new is here because no saved tfjs model can reach it through dgm convert (tfjs-layers 4.22 saves it as
 * 'geluNew' and cannot load that), so only this case checks it.
 */
import { ACTIVATIONS, Activation } from '../../export/lower/activations';
import { tfl } from '../../export/convert/tfjs-layers-node';

export interface ActivationCase {
  a: Activation;
  /** The tfjs-layers layer that computes the same function on [N, F]. */
  ref: () => tfl.layers.Layer;
}

const L = tfl.layers;

export const ACTIVATION_CASES: ActivationCase[] = [
  ...ACTIVATIONS.map((name): ActivationCase => ({
    a: name === 'elu' ? { op: 'elu', alpha: 1 } : name === 'softmax' || name === 'logSoftmax' ? { op: name, axis: 1 } : { op: name },
    ref: () => L.activation({ activation: name as never }),
  })),
  { a: { op: 'leakyRelu', alpha: 0.2 }, ref: () => L.leakyReLU({ alpha: 0.2 }) },
  { a: { op: 'clip', min: 0, max: 0.3 }, ref: () => L.reLU({ maxValue: 0.3 }) },
  { a: { op: 'thresholdedRelu', theta: 0.2 }, ref: () => L.thresholdedReLU({ theta: 0.2 }) },
];

export const describeActivation = (a: Activation): string => JSON.stringify(a);
