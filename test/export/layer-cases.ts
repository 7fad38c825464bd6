/**
 * The parity cases of the project's own LayerSpec lowerings: small stacks (and a labelled one, the conditional
 * generator's input) that layers.test.ts runs through onnxruntime-node against tfjs, and whose layer kinds
 * lowering-coverage.test.ts reads.
 */
import { Stack } from '../../training/nets/layers';
import { stackGraph } from '../../export/graphs/stack-graph';
import { lowerLabelConcatDense } from '../../export/lower/label-dense';
import { lowerStack, planStack, stackInput, stackOutput } from '../../export/lower/stack';
import { ExportError, WeightMap } from '../../export/lower/types';
import { Dim, GraphBuilder } from '../../export/onnx/graph-builder';
import { buildModel } from '../../export/onnx/model';
import { DataType, ModelProto } from '../../export/onnx/proto';

export interface Case {
  name: string;
  stack: Stack;
  inputShape: number[];
  /** ONNX ops the lowering must produce (and, in `absent`, must not). */
  ops?: string[];
  absent?: string[];
  /**
   * K classes: the stack's first (dense) layer reads concat([x, oneHot(label, K)]), the conditional generator's
   * input, lowered by lowerLabelConcatDense (a Gemm plus a Gather of label rows, no one-hot).
   */
  labels?: number;
}

export const degrees = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

/** The parity cases of the LayerSpec lowerings (export/lower/registry.ts): each runs through onnxruntime against tfjs. */
export const LAYER_CASES: Case[] = [
  {
    name: 'dense-relu-dense-sigmoid',
    stack: [{ kind: 'dense', name: 'd1', inFeatures: 5, units: 7 }, { kind: 'relu' }, { kind: 'dense', name: 'd2', inFeatures: 7, units: 3 }, { kind: 'sigmoid' }],
    inputShape: [5],
    ops: ['Gemm', 'Relu', 'Sigmoid'],
  },
  {
    name: 'dense-bn-folded-leaky-tanh',
    stack: [
      { kind: 'dense', name: 'd1', inFeatures: 6, units: 9 },
      { kind: 'batchNorm', name: 'bn1', features: 9, eps: 1e-5, momentum: 0.1 },
      { kind: 'leakyRelu', alpha: 0.2 },
      { kind: 'dense', name: 'd2', inFeatures: 9, units: 4 },
      { kind: 'tanh' },
    ],
    inputShape: [6],
    ops: ['Gemm', 'LeakyRelu', 'Tanh'],
    absent: ['Mul', 'BatchNormalization'],
  },
  {
    name: 'bn-after-activation-vec',
    stack: [{ kind: 'dense', name: 'd1', inFeatures: 4, units: 6 }, { kind: 'relu' }, { kind: 'batchNorm', name: 'bn', features: 6, eps: 1e-3, momentum: 0.1 }],
    inputShape: [4],
    ops: ['Mul', 'Add'],
  },
  {
    name: 'masked-dense-made',
    stack: [
      { kind: 'maskedDense', name: 'm1', inDegrees: degrees(4, (i) => i + 1), outDegrees: degrees(10, (i) => (i % 3) + 1), strict: false },
      { kind: 'relu' },
      { kind: 'maskedDense', name: 'm2', inDegrees: degrees(10, (i) => (i % 3) + 1), outDegrees: degrees(8, (i) => (i % 4) + 1), strict: true },
    ],
    inputShape: [4],
    ops: ['Gemm'],
  },
  {
    name: 'generator-dense-reshape-conv-pixelshuffle',
    stack: [
      { kind: 'dense', name: 'fc', inFeatures: 8, units: 4 * 4 * 6 },
      { kind: 'batchNorm', name: 'bn0', features: 96, eps: 1e-5, momentum: 0.1 },
      { kind: 'relu' },
      { kind: 'reshape', shape: [4, 4, 6] },
      { kind: 'conv2d', name: 'c1', inChannels: 6, filters: 8, kernel: 3, stride: 1, padding: 'same' },
      { kind: 'batchNorm', name: 'bn1', features: 8, eps: 1e-5, momentum: 0.1 },
      { kind: 'relu' },
      { kind: 'pixelShuffle', factor: 2 },
      { kind: 'conv2d', name: 'c2', inChannels: 2, filters: 1, kernel: 3, stride: 1, padding: 1 },
      { kind: 'tanh' },
    ],
    inputShape: [8],
    ops: ['Gemm', 'Reshape', 'Conv', 'DepthToSpace', 'Tanh'],
    absent: ['Transpose', 'Gather', 'Mul'],
  },
  {
    name: 'discriminator-conv-flatten-dense',
    stack: [
      { kind: 'conv2d', name: 'c1', inChannels: 1, filters: 4, kernel: 4, stride: 2, padding: 1 },
      { kind: 'leakyRelu', alpha: 0.2 },
      { kind: 'conv2d', name: 'c2', inChannels: 4, filters: 6, kernel: 3, stride: 2, padding: 'same' },
      { kind: 'leakyRelu', alpha: 0.2 },
      { kind: 'batchNorm', name: 'bn', features: 6, eps: 1e-5, momentum: 0.1 },
      { kind: 'reshape', shape: [2 * 2 * 6] },
      { kind: 'dense', name: 'fc', inFeatures: 24, units: 1 },
    ],
    inputShape: [8, 8, 1],
    ops: ['Conv', 'LeakyRelu', 'Mul', 'Reshape', 'Gemm'],
    absent: ['Transpose', 'Gather'],
  },
  {
    name: 'conv-valid-and-odd-same',
    stack: [
      { kind: 'conv2d', name: 'c1', inChannels: 3, filters: 5, kernel: 3, stride: 2, padding: 'same' },
      { kind: 'relu' },
      { kind: 'conv2d', name: 'c2', inChannels: 5, filters: 2, kernel: 2, stride: 1, padding: 'valid' },
      { kind: 'conv2d', name: 'c3', inChannels: 2, filters: 3, kernel: 2, stride: 2, padding: 'same' },
    ],
    inputShape: [7, 6, 3],
    ops: ['Conv'],
  },
  {
    name: 'reshape-fallbacks',
    stack: [
      { kind: 'reshape', shape: [2, 3, 4] },
      { kind: 'reshape', shape: [4, 3, 2] },
      { kind: 'sigmoid' },
      { kind: 'reshape', shape: [24] },
    ],
    inputShape: [24],
    ops: ['Transpose', 'Gather'],
  },
  {
    name: 'image-flatten-output',
    stack: [{ kind: 'conv2d', name: 'c', inChannels: 2, filters: 3, kernel: 1, stride: 1, padding: 'valid' }, { kind: 'reshape', shape: [27] }],
    inputShape: [3, 3, 2],
    ops: ['Gather'],
  },
  {
    name: 'soft-bounds',
    stack: [
      { kind: 'dense', name: 'd1', inFeatures: 5, units: 6 },
      { kind: 'softBound', bound: 0.7 },
      { kind: 'dense', name: 'd2', inFeatures: 6, units: 4 },
      { kind: 'softBound', bound: 1.5 },
    ],
    inputShape: [5],
    ops: ['Gemm', 'Div', 'Tanh', 'Mul'],
  },
  {
    name: 'label-concat-dense-bn-folded',
    stack: [
      { kind: 'dense', name: 'fc', inFeatures: 6 + 3, units: 8 },
      { kind: 'batchNorm', name: 'bn', features: 8, eps: 1e-5, momentum: 0.1 },
      { kind: 'relu' },
      { kind: 'dense', name: 'out', inFeatures: 8, units: 4 },
    ],
    inputShape: [6],
    labels: 3,
    ops: ['Gemm', 'Gather', 'Relu'],
    absent: ['OneHot', 'Concat', 'BatchNormalization'],
  },
];

/**
 * The lowerings `caseGraph` calls itself, besides the registered kinds lowerStack dispatches to: every case goes
 * through lowerStack (stackGraph), a case with labels first through lowerLabelConcatDense.
 */
export const ENTRY_LOWERINGS = { stack: lowerStack, labelled: lowerLabelConcatDense };

/** The ONNX graph of a case: input x (and label int64 [N] for a labelled case) -> output y. */
export function caseGraph(c: Case, weights: WeightMap): { model: ModelProto; outputShape: Dim[] } {
  if (!c.labels) return stackGraph({ model: c.name, stack: c.stack, weights, inputShape: c.inputShape });
  const g = new GraphBuilder(c.name);
  const ctx = { g, weights, model: c.name, prefix: '' };
  const first = c.stack[0];
  if (first?.kind !== 'dense') throw new ExportError(`case ${c.name}: a labelled case starts with a dense layer`);
  const x = stackInput(ctx, 'x', c.inputShape);
  const label = g.input('label', DataType.INT64, ['N']);
  const h = ENTRY_LOWERINGS.labelled(ctx, first, planStack(c.stack)[0].plan, x, label, c.labels);
  const outputShape = stackOutput(ctx, 'y', ENTRY_LOWERINGS.stack(ctx, c.stack, h, 1));
  return { model: buildModel(g, {}), outputShape };
}
