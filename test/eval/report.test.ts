/** Report writing (eval.json + eval.md) and the refusal to compare figures from different feature extractors. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { compareReports, readEvalReport } from '../../eval/compare';
import { ExtractorMismatchError, extractorIdentity } from '../../eval/extractor';
import { evalMarkdown, writeEvalReport } from '../../eval/report';
import { EVAL_FORMAT, EvalReport, FidKid } from '../../eval/run-eval';

const q = (fid: number, kid: number): FidKid => ({ fid, fidMeanTerm: fid / 4, fidCovTerm: (3 * fid) / 4, kid: { mean: kid, std: kid / 10, subsets: 10, subsetSize: 1000 } });
const classes = ['T-shirt/top', 'Trouser'];

function report(id: string): EvalReport {
  return {
    format: EVAL_FORMAT,
    createdAt: '2026-11-22T00:00:00.000Z',
    machine: { cpu: 'test cpu', cores: 2 },
    featureExtractor: { id, classifier: 'models/classifier/model.onnx', features: 256 },
    settings: { samples: 10000, kidSubsets: 10, kidSubsetSize: 1000, seed: 0, clip: 'clipped' },
    classifier: { testAccuracy: 0.9234, target: 0.92, perClass: { [classes[0]]: 0.85, [classes[1]]: 0.99 }, n: 10000, training: {} },
    floor: { what: 'train vs test', quality: q(0.5, 0.0001) },
    gans: [
      { name: 'gan', status: 'evaluated', kind: 'gan', from: { run: 'runs/gan', step: 937, epoch: 1 }, samples: 10000, quality: q(12.5, 0.01), predictedClasses: [0.4, 0.6], grid: 'gan-samples.png', seconds: 30 },
      {
        name: 'cgan', status: 'evaluated', kind: 'cgan', samples: 10000, quality: q(8.25, 0.005), predictedClasses: [0.5, 0.5], grid: 'cgan-samples.png', seconds: 31,
        classFidelity: { accuracy: 0.875, perClass: [0.8, 0.95], confusion: [[4000, 1000], [250, 4750]], n: 10000 },
      },
      { name: 'wgan-gp', status: 'not trained' },
    ],
    flows: [
      { name: 'maf-moons', status: 'not trained' },
      { name: 'maf-fmnist', status: 'evaluated', kind: 'maf', testLogLik: 2000.5, bitsPerDim: 4.3125, medianBitsPerDim: 4.25, lowest: { index: 977, logLik: -1361477081.07 }, n: 10000, diverged: { rows: 49, of: 512 }, units: 'nats per image', grid: 'maf-fmnist-samples.png' },
    ],
    realGrid: 'real-test.png',
  };
}

describe('evaluation report', () => {
  test('the Markdown page has every table row, the missing models as "not trained", and the grids side by side', () => {
    const md = evalMarkdown(report('x:1'));
    expect(md).toContain('**92.34%** (target >= 92.00%: met)');
    expect(md).toContain('| real train vs test (floor) | 10000 | 0.50 | 0.10 ± 0.01 | - | - |');
    expect(md).toContain('| gan (step 937) | 10000 | 12.50 | 10.00 ± 1.00 | 40.00% – 60.00% | 30 s |');
    expect(md).toContain('| wgan-gp | not trained | - | - | - | - |');
    expect(md).toContain('**87.50%**');
    expect(md).toContain('| accuracy | 80.00% | 95.00% |');
    expect(md).toContain('| maf-fmnist | 2000.5000 | 4.3125 | 4.2500 | #977: -1.36148e+9 | 10000 | 49 of 512 (9.6%) | nats per image |');
    expect(md).toContain('| maf-moons | not trained | - | - | - | - | - | - |');
    expect(md).toContain('| ![real test images](real-test.png) | ![gan](gan-samples.png) | ![cgan](cgan-samples.png) | ![maf-fmnist](maf-fmnist-samples.png) |');
    expect(md).toContain('Not trained (no models/<name>/model.onnx): wgan-gp, maf-moons.');
  });

  test('writes eval.json and eval.md atomically; the JSON reads back as a baseline', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dgm-eval-report-'));
    const files = writeEvalReport(dir, report('x:1'));
    expect(fs.readdirSync(dir).sort()).toEqual(['eval.json', 'eval.md']);
    expect(readEvalReport(files.json)).toEqual(report('x:1'));
    fs.rmSync(dir, { recursive: true });
  });

  test('comparison with a baseline: deltas with the same extractor, refusal with another', () => {
    const before = report('x:1');
    const now = report('x:1');
    now.gans[0].quality = q(10, 0.008);
    const table = compareReports(before, 'old.json', now, 'new.json');
    expect(table).toContain('| gan | 10.00 | 12.50 | -2.50 | 8.00 | 10.00 |');
    expect(() => compareReports(report('x:1'), 'old.json', report('x:2'), 'new.json')).toThrow(ExtractorMismatchError);
    expect(() => compareReports(report('x:1'), 'old.json', report('x:2'), 'new.json')).toThrow(/old.json was computed with feature extractor x:1, new.json with x:2/);
  });

  test('a file that is not a report is a clear error', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dgm-eval-report-'));
    const f = path.join(dir, 'x.json');
    fs.writeFileSync(f, '{"format": "other"}');
    expect(() => readEvalReport(f)).toThrow(/not an evaluation report of format dgm-eval\/1/);
    fs.writeFileSync(f, '{');
    expect(() => readEvalReport(f)).toThrow(/cannot read it as JSON/);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('feature extractor identity', () => {
  const tensors = [
    { name: 'b', shape: [2], data: Float32Array.from([1, 2]) },
    { name: 'a', shape: [1], data: Float32Array.from([3]) },
  ];
  test('does not depend on tensor or key order, changes with any weight or the config', () => {
    const id = extractorIdentity({ x: 1, y: 2 }, tensors).id;
    expect(extractorIdentity({ y: 2, x: 1 }, [...tensors].reverse()).id).toBe(id);
    expect(extractorIdentity({ x: 1, y: 2 }, [tensors[0], { ...tensors[1], data: Float32Array.from([3.0000002]) }]).id).not.toBe(id);
    expect(extractorIdentity({ x: 1, y: 3 }, tensors).id).not.toBe(id);
    expect(id).toMatch(/^fmnist-cnn-penultimate\/1:[0-9a-f]{16}$/);
  });
});
