/**
 * @jest-environment ./test/export/ort-environment.js
 *
 * One tiny model per layer class and option: built with tfjs-layers, seeded weights, saved in memory, converted,
 * and compared with tfjs-layers' predict by convertLayersModel itself (max(1e-5, 1e-5 |tfjs|) per element, which
 * throws on failure). The reference checker runs once over every file at the end. A coverage test fails when a
 * class in the registry has no case here.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LAYER_LOWERINGS } from '../../../export/lower/tfjs-layers/registry';
import { runChecker } from '../helpers';
import { convertModel, seedWeights, useCpu, worstParity } from './helpers';
import { CONVERT_CASES as CASES } from './layer-cases';

describe('dgm convert: one model per layer class and option', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dgm-convert-layers-'));
  const files: string[] = [];
  const worst: string[] = [];
  beforeAll(useCpu);
  afterAll(() => {
    console.log(`worst parity per case (max |onnx - tfjs|):\n${worst.join('\n')}`);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test.each(CASES.map(([cls, what, build], i) => [`${cls}: ${what || 'default'}`, i, build] as const))('%s', async (_label, i, build) => {
    const model = build();
    seedWeights(model, 100 + i);
    const res = await convertModel(model, dir, `case${i}`);
    model.dispose();
    files.push(res.file);
    worst.push(`  ${_label}: ${worstParity(res).toExponential(2)}`);
    const p = res.report.parity;
    expect('outputs' in p && p.outputs.every((o) => o.ok)).toBe(true);
  });

  test('every registered layer class has a case', () => {
    const covered = new Set(CASES.map(([cls]) => cls));
    expect(Object.keys(LAYER_LOWERINGS).filter((c) => !covered.has(c))).toEqual([]);
  });

  test('the reference ONNX checker accepts every converted file', () => {
    const r = runChecker(files);
    if (!r.ok) return;
    expect(r.results.filter((x) => !x.ok)).toEqual([]);
    expect(r.results.length).toBe(files.length);
  });
});
