/**
 * @jest-environment ./test/export/ort-environment.js
 *
 * Every layer kind lowered to ONNX (the cases: layer-cases.ts), run in onnxruntime-node, compared with the same stack
 * applied by tfjs (cpu backend, inference mode) on random weights and inputs; then every file through the reference
 * ONNX checker.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as fs from 'fs';
import * as path from 'path';
import { Random } from '../../runtime/core/random';
import { applyStack, initParams } from '../../training/nets/layers';
import { modelBytes } from '../../export/onnx/model';
import { decodeModel } from '../../export/onnx/proto';
import { Feed, maxAbsDiff, runOrt } from '../../export/ort';
import { weightsFromParams } from '../../export/weights';
import { nhwcToNchw, randn, randomiseBatchNorms, runChecker, tmpDir, useCpu } from './helpers';
import { LAYER_CASES as CASES, caseGraph } from './layer-cases';

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
    const labels = c.labels ? Int32Array.from({ length: n }, (_, i) => (i * 7) % c.labels!) : undefined;
    const want = tf.tidy(() => {
      const xt = tf.tensor(x, [n, ...c.inputShape]);
      const input = labels ? tf.concat([xt, tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), c.labels!), 'float32')], 1) : xt;
      return applyStack(c.stack, params, input, { training: false });
    });
    const wantShape = want.shape.slice(1);
    let wantData = want.dataSync() as Float32Array;
    want.dispose();

    const { model, outputShape } = caseGraph(c, weightsFromParams(params));
    const bytes = modelBytes(model);
    const file = path.join(dir, `${c.name}.onnx`);
    fs.writeFileSync(file, bytes);
    written.push(file);

    const image = c.inputShape.length === 3;
    const xOnnx = image ? nhwcToNchw(x, n, c.inputShape[0], c.inputShape[1], c.inputShape[2]) : x;
    const dims = image ? [n, c.inputShape[2], c.inputShape[0], c.inputShape[1]] : [n, per];
    const feeds: Record<string, Feed> = { x: { data: xOnnx, dims } };
    if (labels) feeds.label = { data: BigInt64Array.from(labels, (v) => BigInt(v)), dims: [n] };
    const got = (await runOrt(bytes, feeds)).y;
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
