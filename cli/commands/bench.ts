/**
 * `dgm bench <what>`: timing commands. `dgm bench backends` times one training step of a small conv net on every
 * backend available here (cpu, wasm with 1 thread, wasm with all threads, tensorflow when tfjs-node is installed),
 * then the two speed targets on wasm: the course GAN step (batch 64, target 0.25 s) and the MADE-784 step (batch 256,
 * target 0.15 s), optionally next to PyTorch on the same machine (--torch-reference).
 *
 * `bench` is a command group: other bench subcommands register on the group returned by benchCommand(program).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import { Command, InvalidArgumentError } from 'commander';
import * as tf from '@tensorflow/tfjs-core';
import { defaultThreads, initBackend, shutdownBackend } from '../../training/backend';
import { measureGemmRate, profileGemmFlops } from '../../training/bench/gemm-floor';
import { profileStep } from '../../training/bench/kernel-profile';
import { timeWorkload, StepTimes } from '../../training/bench/timing';
import { smallConvWorkload, Workload } from '../../training/bench/workloads';
import { courseGanWorkload, generatorInferenceWorkload } from '../../families/gan/gan-bench';
import { madeWorkload } from '../../families/maf/maf-bench';
import { trainingModels, trainingOnCpu, trainingWorkload } from '../../eval/bench/training-workloads';
import { coverageWorkloads, kernelsUsed, unregistered } from '../../training/wasm-kernels/coverage';
import { writeBenchReport } from '../../eval/bench/report';
import { runBench } from '../../eval/bench/run-bench';

interface BackendConfig {
  label: string;
  backend: 'cpu' | 'wasm' | 'tensorflow';
  threads?: number;
}

interface WorkloadSpec {
  key: string;
  make: () => Workload;
  /** Runs on the cpu backend too (only the small net: the others take minutes per step there). */
  onCpu: boolean;
  targetMs?: number;
  /** The matching workload name in torch_reference.py's output. */
  torch?: string;
}

const FIXED_WORKLOADS: WorkloadSpec[] = [
  { key: 'small', make: () => smallConvWorkload(), onCpu: true },
  { key: 'gan', make: () => courseGanWorkload({ batch: 64 }), onCpu: false, targetMs: 250, torch: 'course_gan_train_step_b64' },
  { key: 'made', make: () => madeWorkload({ batch: 256 }), onCpu: false, targetMs: 150, torch: 'made784_train_step_b256' },
  { key: 'gen', make: () => generatorInferenceWorkload({ batch: 256 }), onCpu: false, torch: 'course_generator_b256' },
  { key: 'made-logprob', make: () => madeWorkload({ batch: 256, train: false }), onCpu: false, torch: 'made784_logprob_b256' },
];
// Beside the fixed kernels' workloads, one training step of every registered run that has one (its family's bench
// hook), by run name.
const WORKLOADS: WorkloadSpec[] = [
  ...FIXED_WORKLOADS,
  ...trainingModels()
    .filter((m) => !FIXED_WORKLOADS.some((w) => w.key === m))
    .map((m) => ({ key: m, make: () => trainingWorkload(m), onCpu: trainingOnCpu(m) })),
];
const DEFAULT_WORKLOADS = ['small', 'gan', 'made', 'gen', 'made-logprob'];

interface BenchOpts {
  reps: number;
  warmup: number;
  budget: number;
  threads: number;
  backends: string[];
  workloads: string[];
  profile: boolean;
  torchReference?: string;
}

function positiveInt(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${flag} expects a positive integer, got '${v}'`);
    return n;
  };
}

function listOf(flag: string, allowed: string[]) {
  return (v: string): string[] => {
    const items = v.split(',').map((s) => s.trim()).filter(Boolean);
    const expanded = items.includes('all') ? allowed : items;
    const bad = expanded.filter((s) => !allowed.includes(s));
    if (bad.length || expanded.length === 0) throw new InvalidArgumentError(`${flag} expects a comma-separated subset of ${allowed.join(', ')} (or all), got '${v}'`);
    return expanded;
  };
}

function backendConfigs(names: string[], threads: number): BackendConfig[] {
  const out: BackendConfig[] = [];
  for (const n of names) {
    if (n === 'cpu') out.push({ label: 'cpu', backend: 'cpu' });
    else if (n === 'wasm1') out.push({ label: 'wasm 1 thread', backend: 'wasm', threads: 1 });
    else if (n === 'wasm' && threads > 1) out.push({ label: `wasm ${threads} threads`, backend: 'wasm', threads });
    else if (n === 'tensorflow') out.push({ label: 'tensorflow', backend: 'tensorflow' });
  }
  return out;
}

function fmtMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

function row(label: string, t: StepTimes, targetMs?: number): string {
  const spread = `(${fmtMs(t.minMs)}-${fmtMs(t.maxMs)}, ${t.steps} steps)`;
  let verdict = '';
  if (targetMs !== undefined) verdict = t.medianMs <= targetMs ? '  meets target' : `  misses target (x${(t.medianMs / targetMs).toFixed(2)})`;
  return `  ${label.padEnd(18)} ${fmtMs(t.medianMs).padStart(8)} ms  ${spread.padEnd(28)} ${t.rowsPerS.toFixed(0).padStart(7)} rows/s${verdict}`;
}

export interface TorchRow {
  workload: string;
  threads: number;
  median_ms: number;
  min_ms: number;
  max_ms: number;
  per_s: number;
}

/** Runs a torch reference script (shared/tools/torch_reference.py's JSON-lines format) with 1 and with `threads` threads. */
export function runTorchReference(script: string, threads: number, reps: number): { rows: TorchRow[]; note?: string } {
  if (!fs.existsSync(script)) return { rows: [], note: `torch reference: ${script} not found` };
  const python = '/usr/bin/python3';
  try {
    execFileSync(python, ['-c', 'import torch'], { stdio: 'ignore' });
  } catch {
    return { rows: [], note: `torch reference: PyTorch not importable by ${python} (Debian: apt-get install python3-torch libopenblas0-openmp)` };
  }
  const rows: TorchRow[] = [];
  for (const t of [...new Set([1, threads])]) {
    process.stderr.write(`bench: torch reference, ${t} thread${t === 1 ? '' : 's'}...\n`);
    const out = execFileSync(python, [script, '--threads', String(t), '--reps', String(reps)], { encoding: 'utf8', timeout: 600_000 });
    for (const line of out.split('\n')) if (line.trim().startsWith('{')) rows.push(JSON.parse(line) as TorchRow);
  }
  return { rows };
}

async function benchBackends(opts: BenchOpts): Promise<void> {
  const loadBefore = os.loadavg()[0];
  const configs = backendConfigs(opts.backends, opts.threads);
  const specs = WORKLOADS.filter((w) => opts.workloads.includes(w.key));
  const results = new Map<string, { label: string; times?: StepTimes; note?: string }[]>();
  for (const s of specs) results.set(s.key, []);
  const profiles: string[] = [];
  // GEMM work per step (same on every backend) and each wasm row's GEMM rate: the floor the targets are judged by.
  const gemmFlops = new Map<string, number>();
  const gemmRates = new Map<string, number>();
  // Titles come from the workloads themselves (building one just for its title would allocate the model).
  const titles = new Map<string, string>();
  const timing = { warmup: opts.warmup, reps: opts.reps, budgetMs: opts.budget * 1000 };
  const multi = configs.find((c) => c.backend === 'wasm' && (c.threads ?? 1) > 1)?.label;

  for (const c of configs) {
    try {
      await initBackend({ backend: c.backend, threads: c.threads, quiet: true });
    } catch (err) {
      const note = `not available (${err instanceof Error ? err.message.split(';')[0] : String(err)})`;
      for (const s of specs) if (s.onCpu || c.backend !== 'cpu') results.get(s.key)!.push({ label: c.label, note });
      continue;
    }
    if (c.backend !== 'cpu' && specs.some((s) => s.targetMs !== undefined)) gemmRates.set(c.label, measureGemmRate());
    for (const s of specs) {
      if (c.backend === 'cpu' && !s.onCpu) {
        results.get(s.key)!.push({ label: c.label, note: 'skipped (plain JavaScript: minutes per step)' });
        continue;
      }
      process.stderr.write(`bench: ${s.key} on ${c.label}...\n`);
      const w = s.make();
      titles.set(s.key, w.title);
      try {
        // One warm-up step is plenty for plain JS (and each takes seconds there).
        const t = timeWorkload(w, c.backend === 'cpu' ? { ...timing, warmup: Math.min(timing.warmup, 1) } : timing);
        results.get(s.key)!.push({ label: c.label, times: t });
        if (c.backend !== 'cpu' && s.key !== 'small' && !gemmFlops.has(s.key)) gemmFlops.set(s.key, await profileGemmFlops(() => w.step()));
        if (opts.profile && c.label === multi && s.key !== 'small') {
          const p = await profileStep(w);
          const kernels = p.kernels.filter((k) => tf.getKernel(k.name, tf.getBackend()));
          const total = kernels.reduce((a, k) => a + k.ms, 0);
          const lines = kernels.slice(0, 14).map((k) => `    ${k.name.padEnd(22)} ${k.ms.toFixed(1).padStart(7)} ms ${((100 * k.ms) / total).toFixed(0).padStart(3)}%  ${String(k.calls).padStart(4)} calls`);
          profiles.push(`${w.title} on ${c.label}: kernels ${total.toFixed(0)} ms of a ${p.wallMs.toFixed(0)} ms profiled step`, ...lines);
        }
      } finally {
        w.dispose();
      }
    }
  }
  await shutdownBackend();

  const torchReps = Math.max(opts.reps, 5);
  const torch = opts.torchReference ? runTorchReference(opts.torchReference, opts.threads, torchReps) : { rows: [] };
  // Other processes compete for the same cores: say how busy the machine was, so the figures can be judged.
  const load = `load average ${loadBefore.toFixed(1)} at the start, ${os.loadavg()[0].toFixed(1)} at the end, on ${os.cpus().length} logical cores`;
  console.log(`dgm bench backends: median of up to ${opts.reps} steps after ${opts.warmup} warm-up (min-max); ${load}`);
  for (const s of specs) {
    const title = titles.get(s.key) ?? s.key;
    const target = s.targetMs !== undefined && multi ? `   target <= ${s.targetMs} ms on ${multi}` : '';
    console.log(`\n${title}${target}`);
    for (const r of results.get(s.key)!) {
      console.log(r.times ? row(r.label, r.times, r.label === multi ? s.targetMs : undefined) : `  ${r.label.padEnd(18)} ${r.note}`);
    }
    for (const t of torch.rows.filter((t) => t.workload === s.torch)) {
      console.log(row(`torch ${t.threads} thread${t.threads === 1 ? '' : 's'}`, { medianMs: t.median_ms, minMs: t.min_ms, maxMs: t.max_ms, steps: torchReps, rowsPerS: t.per_s }));
    }
    // The targets are "about 2x what PyTorch needs with one thread on this machine" (250 / 150 ms came from one
    // measurement of it): the same ratio from this run, since this VM's speed drifts between runs.
    const torch1 = torch.rows.find((t) => t.workload === s.torch && t.threads === 1);
    const ours = results.get(s.key)!.find((r) => r.label === multi)?.times;
    if (s.targetMs !== undefined && torch1 && ours) {
      const ratio = ours.medianMs / torch1.median_ms;
      console.log(`  ratio to PyTorch 1 thread in this run: ${multi} ${fmtMs(ours.medianMs)} ms / ${fmtMs(torch1.median_ms)} ms = x${ratio.toFixed(2)} (about 2x allowed: ${ratio <= 2 ? 'within' : 'outside'})`);
    }
    const flops = gemmFlops.get(s.key);
    if (flops !== undefined) {
      console.log(`  GEMM work (matMul and conv kernels, forward and backward): ${(flops / 1e9).toFixed(2)} GFLOP per step`);
      for (const r of results.get(s.key)!) {
        const rate = gemmRates.get(r.label);
        if (!rate || !r.times) continue;
        const floor = (flops / rate) * 1000;
        console.log(`    ${r.label}: GEMM rate ${(rate / 1e9).toFixed(1)} GFLOP/s (256x1024 . 1024x1024), so the products alone need >= ${fmtMs(floor)} ms; the step achieves ${(flops / r.times.medianMs / 1e6).toFixed(1)} GFLOP/s`);
      }
      for (const t of torch.rows.filter((t) => t.workload === s.torch)) {
        console.log(`    torch ${t.threads} thread${t.threads === 1 ? '' : 's'}: ${(flops / t.median_ms / 1e6).toFixed(1)} GFLOP/s over the same work`);
      }
    }
  }
  if (torch.note) console.log(`\n${torch.note}`);
  if (profiles.length) console.log(`\nper-kernel time of one step (tf.profile):\n${profiles.join('\n')}`);
}

/** The `bench` command group (created once; other bench subcommands attach to it). */
export function benchCommand(program: Command): Command {
  const existing = program.commands.find((c) => c.name() === 'bench');
  if (existing) return existing;
  return program.command('bench').description('timing benchmarks (see the subcommands)');
}

export function registerBench(program: Command): void {
  const bench = benchCommand(program);
  bench
    .command('backends')
    .description('time one training step per backend (cpu, wasm 1 thread, wasm N threads, tensorflow) and the GAN / MADE speed targets')
    .option('--reps <n>', 'measured steps per row (median, min, max)', positiveInt('--reps'), 10)
    .option('--warmup <n>', 'warm-up steps before measuring', positiveInt('--warmup'), 3)
    .option('--budget <seconds>', 'stop a row early after this long (at least 3 steps)', positiveInt('--budget'), 30)
    .option('--threads <n>', 'threads of the multi-threaded wasm row', positiveInt('--threads'), defaultThreads())
    .option('--backends <list>', 'cpu,wasm1,wasm,tensorflow (or all)', listOf('--backends', ['cpu', 'wasm1', 'wasm', 'tensorflow']), ['cpu', 'wasm1', 'wasm', 'tensorflow'])
    .option('--workloads <list>', `${WORKLOADS.map((w) => w.key).join(',')} (or all)`, listOf('--workloads', WORKLOADS.map((w) => w.key)), DEFAULT_WORKLOADS)
    .option('--profile', 'also print per-kernel times of one step on the multi-threaded wasm row', false)
    .option('--torch-reference <script>', 'also run this PyTorch timing script (format of shared/tools/torch_reference.py) with /usr/bin/python3')
    .action(async (opts: BenchOpts) => {
      await benchBackends(opts);
    });
  bench
    .command('kernels')
    .description('list the tfjs kernels one step of every model dispatches (tiny sizes) and whether wasm has each')
    .option('--on <backend>', 'backend to run the steps on: cpu (has every kernel) or wasm', 'cpu')
    .action(async (opts: { on: string }) => {
      if (opts.on !== 'cpu' && opts.on !== 'wasm') throw new Error(`--on: expected cpu or wasm, got '${opts.on}'`);
      await initBackend({ backend: opts.on, threads: defaultThreads() });
      try {
        const used = await kernelsUsed(coverageWorkloads());
        const missing = unregistered(used, 'wasm');
        console.log(`kernels dispatched by one step of every model (${used.length}): ${used.join(' ')}`);
        console.log(missing.length ? `missing on wasm: ${missing.join(' ')}` : 'missing on wasm: none');
      } finally {
        await shutdownBackend();
      }
    });
  registerBenchSpeed(bench);
}

interface SpeedOpts {
  parts: string[];
  batches: number[];
  samplerBatches: number[];
  tfjsSamplerBatches?: number[];
  threads: number;
  reps: number;
  warmup: number;
  budget: number;
  trainReps: number;
  trainWarmup: number;
  trainBudget: number;
  models: string[];
  backends: string[];
  torchReference?: string;
  profile: boolean;
  out: string;
}

function batchList(flag: string) {
  return (v: string): number[] => {
    const items = v.split(',').map((x) => Number(x.trim()));
    if (!items.length || items.some((n) => !Number.isInteger(n) || n < 1)) throw new InvalidArgumentError(`${flag} expects comma-separated positive integers, got '${v}'`);
    return items;
  };
}

/** `dgm bench speed` (eval/bench/run-bench.ts): inference and training throughput, the targets, reports/bench.{json,md}. */
function registerBenchSpeed(bench: Command): void {
  bench
    .command('speed')
    .description('images/s of every generator and MAF log_prob/sampling on onnxruntime-node (1, 2 threads) vs tfjs wasm vs PyTorch; training steps/s per model and backend -> reports/bench.json, bench.md')
    .option('--parts <list>', 'sampling,training,embedding (embedding: pack, install and build the examples; npm registry and Chromium)', listOf('--parts', ['sampling', 'training', 'embedding']), ['sampling', 'training', 'embedding'])
    .option('--batches <list>', 'batch sizes of the generator and log_prob rows', batchList('--batches'), [1, 64, 256, 1024])
    .option('--sampler-batches <list>', 'batch sizes of the MAF sampler rows (784 sequential steps per call)', batchList('--sampler-batches'), [1, 64, 256])
    .option('--tfjs-sampler-batches <list>', 'sampler batches also run on tfjs (default: those of --sampler-batches; none to skip)', (v: string) => (v === 'none' ? [] : batchList('--tfjs-sampler-batches')(v)))
    .option('--threads <n>', 'wasm threads of the tfjs rows', positiveInt('--threads'), defaultThreads())
    .option('--reps <n>', 'timed calls per inference row (median, min, max)', positiveInt('--reps'), 10)
    .option('--warmup <n>', 'warm-up calls per inference row', positiveInt('--warmup'), 2)
    .option('--budget <seconds>', 'stop an inference row after this long (at least 3 calls)', positiveInt('--budget'), 5)
    .option('--train-reps <n>', 'timed steps per training row', positiveInt('--train-reps'), 5)
    .option('--train-warmup <n>', 'warm-up steps per training row', positiveInt('--train-warmup'), 2)
    .option('--train-budget <seconds>', 'stop a training row after this long (at least 3 steps)', positiveInt('--train-budget'), 20)
    .option('--models <list>', `training rows: ${trainingModels().join(',')} (or all)`, listOf('--models', trainingModels()), trainingModels())
    .option('--backends <list>', 'tfjs backends of the training rows: wasm1,wasm,cpu,tensorflow (or all)', listOf('--backends', ['wasm1', 'wasm', 'cpu', 'tensorflow']), ['wasm1', 'wasm', 'cpu', 'tensorflow'])
    .option('--torch-reference <script>', 'PyTorch timings of the same workloads (../shared/tools/torch_reference.py), run with /usr/bin/python3 at 1 and 2 threads')
    .option('--profile', 'onnxruntime profile of every target row (rows that miss their target are always profiled)', false)
    .option('--out <dir>', 'where bench.json and bench.md go', 'reports')
    .action(async (opts: SpeedOpts) => {
      const torch = opts.torchReference ? runTorchReference(opts.torchReference, 2, 20) : { rows: [], note: 'PyTorch reference not requested (--torch-reference ../shared/tools/torch_reference.py)' };
      if (torch.note) console.error(`bench: ${torch.note}`);
      const report = await runBench({
        parts: opts.parts as ('sampling' | 'training' | 'embedding')[],
        batches: opts.batches,
        samplerBatches: opts.samplerBatches,
        tfjsSamplerBatches: opts.tfjsSamplerBatches ?? opts.samplerBatches,
        ortThreads: [1, 2],
        wasmThreads: opts.threads,
        inferenceTiming: { warmup: opts.warmup, reps: opts.reps, minReps: 3, budgetMs: opts.budget * 1000 },
        trainingTiming: { warmup: opts.trainWarmup, reps: opts.trainReps, minReps: 3, budgetMs: opts.trainBudget * 1000 },
        trainingModels: opts.models as string[],
        trainingBackends: opts.backends,
        torch,
        profile: opts.profile,
        log: (l) => console.error(l),
      });
      fs.mkdirSync(opts.out, { recursive: true });
      const files = writeBenchReport(opts.out, report);
      console.log(fs.readFileSync(files.md, 'utf8'));
      console.log(`wrote ${files.json} and ${files.md}`);
    });
}
