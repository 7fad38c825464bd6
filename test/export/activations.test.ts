/**
 * @jest-environment ./test/export/ort-environment.js
 *
 * Every op of the shared activation lowering (activationOp), alone in a graph, run in onnxruntime-node and compared
 * with the tfjs-layers layer that computes it (cpu backend) on N(0, 2^2) inputs, per element within
 * max(1e-5, 1e-5 |tfjs|) (dgm convert's bound); then every file through the reference ONNX checker.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Random } from '../../runtime/core/random';
import { activationOp } from '../../export/lower/activations';
import { GraphBuilder } from '../../export/onnx/graph-builder';
import { buildModel, modelBytes } from '../../export/onnx/model';
import { DataType } from '../../export/onnx/proto';
import { runOrt } from '../../export/ort';
import { tf } from './convert/helpers';
import { ACTIVATION_CASES, describeActivation } from './activation-cases';
import { randn, runChecker, tmpDir, useCpu } from './helpers';

describe('activationOp matches tfjs-layers', () => {
  const dir = tmpDir('activations');
  const written: string[] = [];
  beforeAll(useCpu);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test.each(ACTIVATION_CASES.map((c, i) => [describeActivation(c.a), i, c] as const))('%s', async (_name, i, c) => {
    const n = 16;
    const f = 7;
    const x = randn(new Random(23, i), n * f, 2);
    const want = tf.tidy(() => (c.ref().apply(tf.tensor2d(x, [n, f])) as tf.Tensor).dataSync() as Float32Array);
    const g = new GraphBuilder(`act-${i}`);
    const xin = g.input('x', DataType.FLOAT, ['N', f]);
    g.output('y', activationOp(g, xin, c.a, 'act'), DataType.FLOAT, ['N', f]);
    const bytes = modelBytes(buildModel(g, {}));
    const file = path.join(dir, `act-${i}.onnx`);
    fs.writeFileSync(file, bytes);
    written.push(file);
    const got = (await runOrt(bytes, { x: { data: x, dims: [n, f] } })).y;
    expect(got.dims).toEqual([n, f]);
    let worst = 0;
    for (let k = 0; k < want.length; k++) worst = Math.max(worst, Math.abs(got.data[k] - want[k]) / Math.max(1, Math.abs(want[k])));
    // |diff| <= max(1e-5, 1e-5 |want|)  <=>  |diff| / max(1, |want|) <= 1e-5
    expect(worst).toBeLessThanOrEqual(1e-5);
  });

  test('reference checker accepts every file', () => {
    expect(written.length).toBe(ACTIVATION_CASES.length);
    const { ok, results } = runChecker(written);
    if (!ok) return;
    expect(results.filter((r) => !r.ok)).toEqual([]);
  });
});
