/**
 * The end of every flow's density graph (MAF, RealNVP): log p(x) = log N(z; 0, I) + log|det dz/dx|, summed in
 * float64 (at D = 784 the terms add up to thousands of nats, where float32 sums drift by more than the 1e-3 nats the
 * export promises), and the graph's outputs log_prob [N] and z [N, D].
 */
import { GraphBuilder, attr } from '../onnx/graph-builder';
import { DataType } from '../onnx/proto';
import type { BuiltGraph } from './built-graph';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

export function toDouble(g: GraphBuilder, v: string, hint: string): string {
  return g.op('Cast', [v], { to: attr.int(DataType.DOUBLE) }, hint);
}

/**
 * z: the latent [N, d] (float32); logDet: a float64 [N] sum that is added (`Add`: it is log|det dz/dx|) or
 * subtracted (`Sub`: it is its negative, as MAF's sum of log-scales alpha) from the base log-density.
 */
export function flowDensityOutputs(g: GraphBuilder, z: string, d: number, logDet: { sum: string; op: 'Add' | 'Sub' }): BuiltGraph {
  const z64 = toDouble(g, z, 'z_f64');
  const sq = g.op('ReduceSum', [g.op('Mul', [z64, z64], {}, 'z_sq'), g.int64s([1])], { keepdims: attr.int(0) }, 'sum_z_sq');
  const base = g.op('Sub', [g.op('Mul', [sq, g.doubleScalar(-0.5)], {}, 'half_sq'), g.doubleScalar(d * HALF_LOG_2PI)], {}, 'base_log_prob');
  const logProb = g.op('Cast', [g.op(logDet.op, [base, logDet.sum], {}, 'log_prob_f64')], { to: attr.int(DataType.FLOAT) }, 'log_prob_f32');
  g.output('log_prob', logProb, DataType.FLOAT, ['N']);
  g.output('z', z, DataType.FLOAT, ['N', d]);
  return {
    role: 'log_prob',
    graph: g,
    inputs: [{ name: 'x', dtype: 'float32', shape: ['N', d], description: 'data, in the coordinates the model was trained on' }],
    outputs: [
      { name: 'log_prob', dtype: 'float32', shape: ['N'], description: 'log density of x in nats' },
      { name: 'z', dtype: 'float32', shape: ['N', d], description: 'latent (base-normal) coordinates of x' },
    ],
  };
}
