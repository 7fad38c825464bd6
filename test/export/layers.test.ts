/**
 * @jest-environment ./test/export/ort-environment.js
 *
 * Every layer kind lowered to ONNX, run in onnxruntime-node, compared with the same stack applied by tfjs (cpu
 * backend, inference mode) on random weights and inputs; then every file through the reference ONNX checker.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as fs from 'fs';
import * as path from 'path';
import { Random } from '../../runtime/core/random';
import { Stack, applyStack, initParams } from '../../training/nets/layers';
import { stackGraph } from '../../export/graphs/stack-graph';
import { modelBytes } from '../../export/onnx/model';
import { decodeModel } from '../../export/onnx/proto';
import { maxAbsDiff, runOrt } from '../../export/ort';
import { weightsFromParams } from '../../export/weights';
import { nhwcToNchw, randn, randomiseBatchNorms, runChecker, tmpDir, useCpu } from './helpers';

interface Case {
  name: string;
  stack: Stack;
  inputShape: number[];
  /** ONNX ops the lowering must produce (and, in `absent`, must not). */
  ops?: string[];
  absent?: string[];
}

const degrees = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

const CASES: Case[] = [
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
];

describe('layer lowerings match tfjs', () => {
  const dir = tmpDir('layers');
  const written: string[] = [];
  beforeAll(useCpu);
  const disposeAfter: tf.Variable[] = [];
  afterEach(() => disposeAfter.splice(0).forEach((v) => v.dispose()));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const rng = new Random(7, CASES.indexOf(c));
    const params = initParams(c.stack, rng);
    disposeAfter.push(...params.values());
    randomiseBatchNorms(params, rng);
    const n = 33;
    const per = c.inputShape.reduce((a, b) => a * b, 1);
    const x = randn(rng, n * per);
    const want = tf.tidy(() => applyStack(c.stack, params, tf.tensor(x, [n, ...c.inputShape]), { training: false }));
    const wantShape = want.shape.slice(1);
    let wantData = want.dataSync() as Float32Array;
    want.dispose();

    const { model, outputShape } = stackGraph({ model: c.name, stack: c.stack, weights: weightsFromParams(params), inputShape: c.inputShape });
    const bytes = modelBytes(model);
    const file = path.join(dir, `${c.name}.onnx`);
    fs.writeFileSync(file, bytes);
    written.push(file);

    const image = c.inputShape.length === 3;
    const xOnnx = image ? nhwcToNchw(x, n, c.inputShape[0], c.inputShape[1], c.inputShape[2]) : x;
    const dims = image ? [n, c.inputShape[2], c.inputShape[0], c.inputShape[1]] : [n, per];
    const got = (await runOrt(bytes, { x: { data: xOnnx, dims } })).y;
    if (wantShape.length === 3) {
      wantData = nhwcToNchw(wantData, n, wantShape[0], wantShape[1], wantShape[2]);
      expect(got.dims).toEqual([n, wantShape[2], wantShape[0], wantShape[1]]);
      expect(outputShape).toEqual(['N', wantShape[2], wantShape[0], wantShape[1]]);
    } else {
      expect(got.dims).toEqual([n, ...wantShape]);
    }
    const err = maxAbsDiff(got.data, wantData);
    expect(err).toBeLessThanOrEqual(1e-5);

    const ops = new Set(decodeModel(bytes).graph.node.map((nd) => nd.op_type));
    for (const op of c.ops ?? []) expect(ops).toContain(op);
    for (const op of c.absent ?? []) expect(ops).not.toContain(op);
  });

  test('reference checker accepts every file (full_check, strict shape inference)', () => {
    expect(written.length).toBe(CASES.length);
    const { ok, results } = runChecker(written);
    if (!ok) return;
    for (const r of results) expect({ file: path.basename(r.file), ok: r.ok, error: r.error }).toEqual({ file: path.basename(r.file), ok: true, error: undefined });
    // Shape inference must reach the outputs with the batch symbolic and the rest fixed.
    for (const r of results) for (const shape of Object.values(r.outputs ?? {})) expect(shape[0]).toBe('N');
  });
});
