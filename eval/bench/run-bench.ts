/**
 * `dgm bench speed`: inference throughput of every generator and of MAF log_prob / sampling on onnxruntime-node
 * (1 and 2 threads) and tfjs wasm, training throughput of every model on every tfjs backend, the speed targets
 * against PyTorch on the same machine (torch_reference.py, run by the caller), and onnxruntime's own profile of
 * any workload that misses its target. Never a test: the figures depend on the machine and on its load.
 */
import { EmbeddingFigures, measureEmbedding } from './embedding';
import * as os from 'os';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, shutdownBackend } from '../../training/backend';
import { timeWorkloadAsync } from '../../training/bench/timing';
import { findNodeAdapter } from '../../training/webgpu';
import type { InferenceWorkload } from './inference-workloads';
import { generatorWorkload } from '../../families/gan/gan-inference';
import { MADE_784, MAF_FMNIST, mafLogProbWorkload, mafSamplerWorkloads } from '../../families/maf/maf-inference';
import { benchInference, InferenceRow } from './sampling';
import { OpTime, profileOrt, TimingOptions } from './timing';
import { TrainingModel, trainingOnCpu, trainingWorkload } from './training-workloads';
import { families } from '../../families/registry';

export const BENCH_FORMAT = 'dgm-bench/1';

/** One line of torch_reference.py's output. */
export interface TorchRef {
  workload: string;
  threads: number;
  median_ms: number;
  min_ms: number;
  max_ms: number;
  per_s: number;
}

/** PyTorch figures from shared/notes/measured-environment.md, used only when PyTorch cannot run here (and said so). */
export const NOTED_TORCH = { generatorB256OneThread: 9700, madeLogProbB256OneThread: 10000 };

export interface TrainingRow {
  model: string;
  title: string;
  backend: string;
  batch: number;
  stepMs?: { median: number; min: number; max: number; steps: number };
  stepsPerS?: number;
  imagesPerS?: number;
  note?: string;
}

export interface SamplerIdeal {
  batch: number;
  threads: number;
  samplerMs: number;
  passMs: number;
  /** samplerMs / (D * passMs): 1 is the ideal. */
  ratio: number;
}

export interface TargetRow {
  what: string;
  ours: number;
  reference: number;
  referenceSource: string;
  /** ours / reference (for the sampler: its time over the ideal time). */
  ratio: number;
  target: string;
  met: boolean;
  profile?: OpTime[];
}

export interface BenchReport {
  format: typeof BENCH_FORMAT;
  createdAt: string;
  machine: { cpu: string; cores: number; loadAverage: number[]; loadAverageEnd?: number[]; note: string };
  versions: { onnxruntimeNode: string; tfjs: string };
  timing: { inference: TimingOptions; training: TimingOptions };
  inference: InferenceRow[];
  sampler: SamplerIdeal[];
  training: TrainingRow[];
  torch: { rows: TorchRef[]; note?: string };
  targets: TargetRow[];
  gpu: string[];
  embedding?: EmbeddingFigures;
}

export interface BenchOptions {
  parts: ('sampling' | 'training' | 'embedding')[];
  batches: number[];
  samplerBatches: number[];
  tfjsSamplerBatches: number[];
  ortThreads: number[];
  wasmThreads: number;
  inferenceTiming: TimingOptions;
  trainingTiming: TimingOptions;
  trainingModels: TrainingModel[];
  /** tfjs backends for the training rows: 'wasm1', 'wasm' (wasmThreads), 'cpu', 'tensorflow'. */
  trainingBackends: string[];
  torch: { rows: TorchRef[]; note?: string };
  profile: boolean;
  log: (line: string) => void;
}

function version(pkg: string): string {
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function perS(rows: InferenceRow[], workload: string, batch: number, runtime: string): number | undefined {
  return rows.find((r) => r.workload === workload && r.batch === batch && r.runtime === runtime)?.perS;
}

function medianMs(rows: InferenceRow[], workload: string, batch: number, runtime: string): number | undefined {
  return rows.find((r) => r.workload === workload && r.batch === batch && r.runtime === runtime)?.timing?.medianMs;
}

async function inferencePart(o: BenchOptions, report: BenchReport): Promise<void> {
  const tfjsLabel = `tfjs wasm ${o.wasmThreads} thread${o.wasmThreads > 1 ? 's' : ''}`;
  // Built one at a time (two generators would register the same tfjs variable names); after its rows a workload's
  // tfjs parameters are freed, its ONNX bytes and feeds stay usable for the profiles below.
  const bench = async (w: InferenceWorkload, batches: number[], tfjsBatches?: number[], timing = o.inferenceTiming) => {
    const tfjsNote = 'not run (--tfjs-sampler-batches)';
    report.inference.push(...(await benchInference({ workload: w, batches, tfjsBatches, tfjsNote, timing }, o.ortThreads, tfjsLabel, o.log)));
  };
  const run = async (w: InferenceWorkload, batches: number[]) => {
    try {
      await bench(w, batches);
    } finally {
      w.dispose();
    }
    return w;
  };
  const gen = await run(generatorWorkload(false), o.batches);
  await run(generatorWorkload(true), o.batches);
  const made = await run(mafLogProbWorkload('made-logprob', MADE_784), o.batches);
  await run(mafLogProbWorkload('maf-fmnist-logprob', MAF_FMNIST), o.batches);
  const { sample, pass } = mafSamplerWorkloads(MADE_784);
  try {
    await bench(pass, o.samplerBatches);
    // One warm-up call: a sampler call is D sequential steps, long enough to warm everything up.
    await bench(sample, o.samplerBatches, o.tfjsSamplerBatches, { ...o.inferenceTiming, warmup: Math.min(1, o.inferenceTiming.warmup) });
  } finally {
    sample.dispose();
    pass.dispose();
  }
  for (const f of families()) await f.inferenceBench?.(bench, o, report);
  const d = MADE_784.inputSize;
  for (const batch of o.samplerBatches) {
    for (const t of o.ortThreads) {
      const rt = `onnxruntime-node cpu ${t} thread${t > 1 ? 's' : ''}`;
      const s = medianMs(report.inference, 'made-sample', batch, rt);
      const p = medianMs(report.inference, 'made-pass', batch, rt);
      if (s !== undefined && p !== undefined) report.sampler.push({ batch, threads: t, samplerMs: s, passMs: p, ratio: s / (d * p) });
    }
  }
  await targets(o, report, { gen, made, sample });
}

async function targets(o: BenchOptions, report: BenchReport, w: { gen: InferenceWorkload; made: InferenceWorkload; sample: InferenceWorkload }): Promise<void> {
  const one = 'onnxruntime-node cpu 1 thread';
  const torch1 = (name: string) => o.torch.rows.find((r) => r.workload === name && r.threads === 1)?.per_s;
  const add = async (t: Omit<TargetRow, 'profile'>, profileOf: { w: InferenceWorkload; batch: number } | null) => {
    const row: TargetRow = { ...t };
    if (profileOf && (o.profile || !t.met)) {
      o.log(`bench: onnxruntime profile of ${profileOf.w.key} batch ${profileOf.batch}, 1 thread`);
      row.profile = (await profileOrt(profileOf.w.onnx, profileOf.w.feeds(profileOf.batch), 1, 5, `${os.tmpdir()}/dgm-bench-${profileOf.w.key}`)).slice(0, 8);
    }
    report.targets.push(row);
  };
  const genOurs = perS(report.inference, 'generator', 256, one);
  if (genOurs !== undefined) {
    const ref = torch1('course_generator_b256');
    const reference = ref ?? NOTED_TORCH.generatorB256OneThread;
    await add(
      {
        what: 'course generator, batch 256, 1 thread: images/s',
        ours: genOurs,
        reference,
        referenceSource: ref !== undefined ? 'PyTorch, measured in this run' : 'PyTorch figure from the notes (PyTorch not run here)',
        ratio: genOurs / reference,
        target: '>= 1.5x PyTorch (goal 2x)',
        met: genOurs / reference >= 1.5,
      },
      { w: w.gen, batch: 256 },
    );
  }
  const madeOurs = perS(report.inference, 'made-logprob', 256, one);
  if (madeOurs !== undefined) {
    const ref = torch1('made784_logprob_b256');
    const reference = ref ?? NOTED_TORCH.madeLogProbB256OneThread;
    await add(
      {
        what: 'MADE 784-1024-1024-1568 log_prob, batch 256, 1 thread: rows/s',
        ours: madeOurs,
        reference,
        referenceSource: ref !== undefined ? 'PyTorch, measured in this run' : 'PyTorch figure from the notes (PyTorch not run here)',
        ratio: madeOurs / reference,
        target: '>= 2x PyTorch',
        met: madeOurs / reference >= 2,
      },
      { w: w.made, batch: 256 },
    );
  }
  for (const s of report.sampler.filter((x) => x.threads === 1)) {
    await add(
      {
        what: `784-D MAF sampler, batch ${s.batch}, 1 thread: time / (784 x one MADE pass)`,
        ours: s.samplerMs,
        reference: 784 * s.passMs,
        referenceSource: 'one MADE pass measured in this run',
        ratio: s.ratio,
        target: '<= 1.5x the ideal',
        met: s.ratio <= 1.5,
      },
      { w: w.sample, batch: s.batch },
    );
  }
}

/** Why the bench had no webgpu training row (set by trainingPart). */
let webgpuWhy = '';

async function trainingPart(o: BenchOptions, report: BenchReport): Promise<void> {
  const configs = o.trainingBackends.map((b) =>
    b === 'wasm1' ? { label: 'tfjs wasm 1 thread', backend: 'wasm' as const, threads: 1 }
      : b === 'wasm' ? { label: `tfjs wasm ${o.wasmThreads} threads`, backend: 'wasm' as const, threads: o.wasmThreads }
      : b === 'cpu' ? { label: 'tfjs cpu', backend: 'cpu' as const, threads: undefined }
      : b === 'webgpu' ? { label: 'tfjs webgpu', backend: 'webgpu' as const, threads: undefined }
      : { label: 'tfjs-node (tensorflow)', backend: 'tensorflow' as const, threads: undefined },
  );
  // The webgpu row runs where a hardware adapter is (the same choice as --backend auto), else says why not.
  const hw = await findNodeAdapter(false);
  if (hw.ok && !o.trainingBackends.includes('webgpu')) configs.push({ label: 'tfjs webgpu', backend: 'webgpu' as const, threads: undefined });
  else if (!hw.ok) webgpuWhy = hw.reason;
  for (const c of configs) {
    try {
      await initBackend({ backend: c.backend, threads: c.threads, quiet: true });
    } catch (err) {
      const why = (err instanceof Error ? err.message : String(err)).split(';')[0];
      for (const m of o.trainingModels) report.training.push({ model: m, title: m, backend: c.label, batch: 0, note: `not available (${why})` });
      continue;
    }
    for (const m of o.trainingModels) {
      // The plain-JavaScript backend takes minutes per step of the image models; only the runs marked onCpu are timed there.
      if (c.backend === 'cpu' && !trainingOnCpu(m)) {
        report.training.push({ model: m, title: m, backend: c.label, batch: 0, note: 'skipped (plain JavaScript: minutes per step)' });
        continue;
      }
      o.log(`bench: training ${m} on ${c.label}`);
      const w = trainingWorkload(m);
      try {
        const t = await timeWorkloadAsync(w, { warmup: o.trainingTiming.warmup, reps: o.trainingTiming.reps, budgetMs: o.trainingTiming.budgetMs });
        report.training.push({
          model: m,
          title: w.title,
          backend: c.label,
          batch: w.rows,
          stepMs: { median: t.medianMs, min: t.minMs, max: t.maxMs, steps: t.steps },
          stepsPerS: 1000 / t.medianMs,
          imagesPerS: t.rowsPerS,
        });
      } finally {
        w.dispose();
      }
    }
  }
}

export async function runBench(o: BenchOptions): Promise<BenchReport> {
  const cpus = os.cpus();
  const report: BenchReport = {
    format: BENCH_FORMAT,
    createdAt: new Date().toISOString(),
    machine: {
      cpu: cpus[0]?.model?.trim() ?? 'unknown',
      cores: cpus.length,
      loadAverage: os.loadavg(),
      note: 'load averages at the start and the end; other work on the machine slows rows timed at different moments differently',
    },
    versions: { onnxruntimeNode: version('onnxruntime-node'), tfjs: tf.version_core },
    timing: { inference: o.inferenceTiming, training: o.trainingTiming },
    inference: [],
    sampler: [],
    training: [],
    torch: o.torch,
    targets: [],
    gpu: [],
  };
  try {
    if (o.parts.includes('sampling')) {
      await initBackend({ backend: 'wasm', threads: o.wasmThreads, quiet: true });
      await inferencePart(o, report);
    }
    if (o.parts.includes('training')) await trainingPart(o, report);
    if (o.parts.includes('embedding')) report.embedding = await measureEmbedding(o.log);
  } finally {
    await shutdownBackend();
  }
  report.machine.loadAverageEnd = os.loadavg();
  report.gpu.push('onnxruntime-node cuda: ' + (report.inference.some((r) => r.runtime === 'onnxruntime-node cuda' && r.timing) ? 'timed above' : 'not available (no GPU; CUDA provider not installed)'));
  report.gpu.push('tfjs webgpu: ' + (report.training.some((r) => r.backend === 'tfjs webgpu' && r.stepMs) ? 'timed above' : `not available (${webgpuWhy || 'no hardware adapter'}; make gpu-check times it on SwiftShader)`));
  report.gpu.push('tfjs-node-gpu: ' + (o.trainingBackends.includes('tensorflow') && report.training.some((r) => r.backend.startsWith('tfjs-node') && r.stepMs) ? 'timed above' : 'not available (tfjs-node-gpu not installed: make install-gpu on a CUDA machine)'));
  return report;
}
