/**
 * @jest-environment ./test/export/ort-environment.js
 *
 * Whole architectures through `convertLayersModel` (parity with tfjs-layers' predict is checked inside it and would
 * throw): a MobileNet-style net, a U-Net-style functional net, an Embedding + LSTM + bidirectional GRU text model, a
 * multi-input multi-output model with a shared layer and a nested model, a Conv1D + RNN model. Each prints its
 * conversion time, worst parity and sizes (the figures in export/README.md come from this log).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runChecker } from '../helpers';
import { artifactsOf, convertModel, seedWeights, tfl, useCpu, worstParity } from './helpers';
import { ConvertResult } from '../../../export/convert/convert';

import { ARCHITECTURES, mobileNetStyle } from './architectures';

describe('dgm convert: whole architectures', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dgm-convert-arch-'));
  const files: string[] = [];
  const rows: string[] = ['| architecture | convert (s) | check (s) | worst max abs diff | model.json + weights | ONNX | Transposes |', '| --- | --- | --- | --- | --- | --- | --- |'];
  const results = new Map<string, ConvertResult>();
  beforeAll(useCpu);
  afterAll(() => {
    console.log(rows.join('\n'));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test.each(ARCHITECTURES.map(([n, b], i) => [n, i, b] as const))('%s converts and matches tfjs', async (name, i, build) => {
    const model = build();
    seedWeights(model, 7 + i);
    const res = await convertModel(model, dir, `arch${i}`);
    model.dispose();
    files.push(res.file);
    results.set(name, res);
    const r = res.report;
    rows.push(`| ${name} | ${r.seconds.convert.toFixed(3)} | ${r.seconds.check.toFixed(3)} | ${worstParity(res).toExponential(2)} | ${r.sourceBytes} B | ${r.onnxBytes} B | ${r.transposes} |`);
    expect('outputs' in r.parity && r.parity.outputs.every((o) => o.ok)).toBe(true);
  });

  test('the conv stacks transpose once at their input and nowhere between layers', () => {
    // MobileNet-style: NHWC in -> NCHW once; global pooling leaves [N, C], which needs no Transpose back.
    expect(results.get('MobileNet-style')!.report.transposes).toBe(1);
    // U-Net-style: once in, once back to NHWC at the output.
    expect(results.get('U-Net-style')!.report.transposes).toBe(2);
  });

  test('shared and nested layers: weights stored once, interface names kept', () => {
    const r = results.get('multi-input multi-output, shared layer, nested model')!.report;
    expect(r.inputs.map((i) => i.name)).toEqual(['a', 'b']);
    expect(r.outputs.map((o) => o.name)).toEqual(['sum', 'score', 'shared']);
    expect(r.layerCalls.Dense).toBe(7); // shared x2, inner's two Dense x2 each, score
    // Each distinct weight once: 6x5+5 (shared) + 5x4+4 + 4x3+3 (inner) + 10x1+1 (score) floats, plus small overhead.
    expect(r.onnxBytes).toBeLessThan((35 + 24 + 15 + 11) * 4 + 3000);
  });

  test('a saved model.json folder converts like the artifacts', async () => {
    const model = mobileNetStyle();
    seedWeights(model, 3);
    const a = await artifactsOf(model);
    model.dispose();
    const res = await convertModel(await tfl.loadLayersModel(({ load: async () => a }) as never), dir, 'again');
    expect(res.report.parity && 'outputs' in res.report.parity).toBe(true);
  });

  test('options: opset 13 and a fixed batch; int32 ids stay int32', async () => {
    const model = mobileNetStyle();
    seedWeights(model, 4);
    const res = await convertModel(model, dir, 'opset13', { opset: 13, batch: 2 });
    model.dispose();
    files.push(res.file);
    expect(res.report.inputs[0].shape).toEqual([2, 16, 16, 3]);
    expect(res.report.outputs[0].shape).toEqual([2, 10]);
    expect('outputs' in res.report.parity && res.report.parity.n).toBe(2);
    const ids = tfl.input({ shape: [4], dtype: 'int32', name: 'ids' });
    const emb = tfl.model({ inputs: ids, outputs: tfl.layers.embedding({ inputDim: 9, outputDim: 3 }).apply(ids) as tfl.SymbolicTensor });
    seedWeights(emb, 5);
    const r2 = await convertModel(emb, dir, 'int32ids');
    emb.dispose();
    files.push(r2.file);
    expect(r2.report.inputs[0]).toEqual({ name: 'ids', dtype: 'int32', shape: ['N', 4] });
    expect('outputs' in r2.report.parity && r2.report.parity.inputs).toEqual(['ids: integer ids in [0, 9)']);
  });

  test('the reference ONNX checker accepts every converted architecture', () => {
    const r = runChecker(files);
    if (!r.ok) return;
    expect(r.results.filter((x) => !x.ok)).toEqual([]);
  });
});
