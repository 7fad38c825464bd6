/** The bench report's arithmetic and layout on a hand-made report (the bench itself is never a test). */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { benchMarkdown, writeBenchReport } from '../../eval/bench/report';
import { BENCH_FORMAT, BenchReport } from '../../eval/bench/run-bench';

const t = (medianMs: number) => ({ medianMs, minMs: medianMs / 2, maxMs: medianMs * 2, reps: 5 });

function report(): BenchReport {
  const timing = { warmup: 2, reps: 10, minReps: 3, budgetMs: 5000 };
  const gen = { workload: 'generator', title: 'course generator', unit: 'images' };
  return {
    format: BENCH_FORMAT,
    createdAt: '2026-11-22T00:00:00.000Z',
    machine: { cpu: 'test cpu', cores: 2, loadAverage: [0.5, 0.4, 0.3], note: '' },
    versions: { onnxruntimeNode: '1.30.0', tfjs: '4.22.0' },
    timing: { inference: timing, training: timing },
    inference: [
      // 256 images in 16 ms = 16000 images/s; 2 threads 10 ms = 25600; tfjs 128 ms = 2000.
      { ...gen, batch: 256, runtime: 'onnxruntime-node cpu 1 thread', timing: t(16), perS: 16000 },
      { ...gen, batch: 256, runtime: 'onnxruntime-node cpu 2 threads', timing: t(10), perS: 25600 },
      { ...gen, batch: 256, runtime: 'tfjs wasm 2 threads', timing: t(128), perS: 2000 },
      { ...gen, batch: 0, runtime: 'onnxruntime-node cuda', note: 'not available (no GPU)' },
    ],
    sampler: [{ batch: 64, threads: 1, samplerMs: 1176, passMs: 1, ratio: 1176 / 784 }],
    training: [
      { model: 'gan', title: 'gan step', backend: 'tfjs wasm 2 threads', batch: 64, stepMs: { median: 400, min: 350, max: 500, steps: 5 }, stepsPerS: 2.5, imagesPerS: 160 },
      { model: 'cgan', title: 'cgan', backend: 'tfjs cpu', batch: 0, note: 'skipped (plain JavaScript: minutes per step)' },
    ],
    torch: {
      rows: [
        { workload: 'course_generator_b256', threads: 1, median_ms: 32, min_ms: 30, max_ms: 40, per_s: 8000 },
        { workload: 'course_generator_b256', threads: 2, median_ms: 20, min_ms: 19, max_ms: 25, per_s: 12800 },
        { workload: 'course_gan_train_step_b64', threads: 1, median_ms: 100, min_ms: 90, max_ms: 120, per_s: 640 },
      ],
    },
    targets: [
      { what: 'course generator, batch 256, 1 thread: images/s', ours: 16000, reference: 8000, referenceSource: 'PyTorch, measured in this run', ratio: 2, target: '>= 1.5x PyTorch (goal 2x)', met: true,
        profile: [{ op: 'Conv', ms: 6, share: 0.5 }, { op: 'FusedGemm', ms: 6, share: 0.5 }] },
    ],
    gpu: ['onnxruntime-node cuda: not available (no GPU)'],
  };
}

describe('bench report', () => {
  test('rates with their spread, ratios against tfjs and PyTorch, targets, sampler and training rows', () => {
    const md = benchMarkdown(report());
    // min-max of the rate come from max-min of the time: 256 images in 32 ms .. 8 ms.
    expect(md).toContain('| 256 | 16000 (8000 – 32000) | 25600 (12800 – 51200) | 2000 (1000 – 4000) | 12.80x | 8000 | 2.00x | 12800 | 2.00x |');
    expect(md).toContain('onnxruntime-node cuda: not available (no GPU)');
    expect(md).toContain('| course generator, batch 256, 1 thread: images/s | 16000 | 8000 | 2.00x | >= 1.5x PyTorch (goal 2x) | yes | PyTorch, measured in this run |');
    expect(md).toContain('Conv 6.0 ms (50%), FusedGemm 6.0 ms (50%)');
    expect(md).toContain('| 64 | 1 | 1176 | 1.0 | 784 | 1.50x |');
    expect(md).toContain('| gan | tfjs wasm 2 threads | 64 | 400 (350 – 500) | 2.50 | 160 | 10.00 / - |');
    expect(md).toContain('| cgan | tfjs cpu | - | skipped (plain JavaScript: minutes per step) | - | - | - |');
    expect(md).toContain('| course_generator_b256 | 2 | 20.0 (19.0 – 25.0) | 12800 |');
  });

  test('writes bench.json and bench.md and nothing else', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dgm-bench-report-'));
    const files = writeBenchReport(dir, report());
    expect(fs.readdirSync(dir).sort()).toEqual(['bench.json', 'bench.md']);
    expect(JSON.parse(fs.readFileSync(files.json, 'utf8'))).toEqual(report());
    fs.rmSync(dir, { recursive: true });
  });
});
