/** reports/bench.json and reports/bench.md (written atomically): the tables of `dgm bench speed`. */
import type { EmbeddingFigures } from './embedding';
import * as path from 'path';
import { writeFileAtomic } from '../../training/harness/atomic-write';
import type { InferenceRow } from './sampling';
import type { BenchReport, TorchRef } from './run-bench';

export const BENCH_JSON = 'bench.json';
export const BENCH_MD = 'bench.md';

/** The torch_reference.py workload timed on the same network and batch, where there is one. */
const TORCH_OF: Record<string, { workload: string; batch: number }> = {
  generator: { workload: 'course_generator_b256', batch: 256 },
  'made-logprob': { workload: 'made784_logprob_b256', batch: 256 },
};
const TORCH_TRAIN_OF: Record<string, string> = { gan: 'course_gan_train_step_b64' };

function rate(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function ms(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(3);
}

function ratio(a: number | undefined, b: number | undefined): string {
  return a !== undefined && b !== undefined && b > 0 ? `${(a / b).toFixed(2)}x` : '-';
}

function torchRow(torch: TorchRef[], workload: string, threads: number): TorchRef | undefined {
  return torch.find((t) => t.workload === workload && t.threads === threads);
}

function inferenceTable(rows: InferenceRow[], torch: TorchRef[]): string[] {
  const L: string[] = [];
  const keys = [...new Set(rows.map((r) => r.workload))];
  for (const key of keys) {
    const mine = rows.filter((r) => r.workload === key);
    const title = mine[0].title;
    const unit = mine[0].unit;
    const runtimes = [...new Set(mine.filter((r) => r.batch > 0).map((r) => r.runtime))];
    L.push(`### ${title}`, '');
    L.push(`${unit}/s, median (min – max) of the timed calls.`, '');
    const ortCpu = runtimes.filter((r) => r.startsWith('onnxruntime-node cpu'));
    const tfjs = runtimes.find((r) => r.startsWith('tfjs'));
    const best = ortCpu[ortCpu.length - 1];
    const t = TORCH_OF[key];
    const head = ['batch', ...runtimes, ...(tfjs && best ? [`${best.replace('onnxruntime-node cpu ', 'ort ')} / tfjs`] : [])];
    if (t) head.push('PyTorch 1 thread', 'ort 1 thread / PyTorch', 'PyTorch 2 threads', 'ort 2 threads / PyTorch');
    L.push(`| ${head.join(' | ')} |`, `| ${head.map((_, i) => (i === 0 ? '---:' : '---:')).join(' | ')} |`);
    for (const batch of [...new Set(mine.filter((r) => r.batch > 0).map((r) => r.batch))]) {
      const at = (rt: string) => mine.find((r) => r.batch === batch && r.runtime === rt);
      const cells = [String(batch)];
      for (const rt of runtimes) {
        const r = at(rt);
        cells.push(r?.timing && r.perS !== undefined ? `${rate(r.perS)} (${rate((batch * 1000) / r.timing.maxMs)} – ${rate((batch * 1000) / r.timing.minMs)})` : (r?.note ?? '-'));
      }
      if (tfjs && best) cells.push(ratio(at(best)?.perS, at(tfjs)?.perS));
      if (t) {
        const t1 = batch === t.batch ? torchRow(torch, t.workload, 1) : undefined;
        const t2 = batch === t.batch ? torchRow(torch, t.workload, 2) : undefined;
        cells.push(t1 ? rate(t1.per_s) : '-', ratio(at('onnxruntime-node cpu 1 thread')?.perS, t1?.per_s), t2 ? rate(t2.per_s) : '-', ratio(at('onnxruntime-node cpu 2 threads')?.perS, t2?.per_s));
      }
      L.push(`| ${cells.join(' | ')} |`);
    }
    const gpu = mine.filter((r) => r.batch === 0);
    for (const g of gpu) L.push('', `${g.runtime}: ${g.note}`);
    L.push('');
  }
  return L;
}

export function benchMarkdown(r: BenchReport): string {
  const L: string[] = [];
  L.push('# Speed (`dgm bench speed`)', '');
  L.push(`${r.createdAt}, ${r.machine.cpu}, ${r.machine.cores} logical cores, load average (1 / 5 / 15 min) ${r.machine.loadAverage.map((v) => v.toFixed(1)).join(' / ')} at the start` +
    `${r.machine.loadAverageEnd ? `, ${r.machine.loadAverageEnd.map((v) => v.toFixed(1)).join(' / ')} at the end` : ''} ` +
    `(with other work on the machine, rows timed at different moments are slowed differently: PyTorch runs first). onnxruntime-node ${r.versions.onnxruntimeNode}, tfjs ${r.versions.tfjs}.`, '');
  const it = r.timing.inference, tt = r.timing.training;
  L.push(`Each figure is the median of up to ${it.reps} timed calls after ${it.warmup} warm-up calls (at least ${it.minReps}; a row stops after ${it.budgetMs / 1000} s), ` +
    `training rows up to ${tt.reps} steps after ${tt.warmup} warm-up. Networks are the project's definitions with seeded random weights, exported by the project's converter.`, '');
  if (r.targets.length) {
    L.push('## Targets', '');
    L.push('| what | ours | reference | ratio | target | met | reference source |', '| --- | ---: | ---: | ---: | --- | --- | --- |');
    for (const t of r.targets) L.push(`| ${t.what} | ${rate(t.ours)} | ${rate(t.reference)} | ${t.ratio.toFixed(2)}x | ${t.target} | ${t.met ? 'yes' : '**no**'} | ${t.referenceSource} |`);
    L.push('');
    for (const t of r.targets.filter((x) => x.profile?.length)) {
      L.push(`onnxruntime profile, ${t.what} (per call, by operator): ` + t.profile!.map((p) => `${p.op} ${ms(p.ms)} ms (${(100 * p.share).toFixed(0)}%)`).join(', '), '');
    }
  }
  if (r.sampler.length) {
    L.push('## MAF sampler against its ideal', '', 'Ideal = D x the time of one MADE pass at the same batch and threads (D = 784).', '');
    L.push('| batch | threads | sampler ms | one pass ms | 784 x pass ms | sampler / ideal |', '| ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const s of r.sampler) L.push(`| ${s.batch} | ${s.threads} | ${ms(s.samplerMs)} | ${ms(s.passMs)} | ${ms(784 * s.passMs)} | ${s.ratio.toFixed(2)}x |`);
    L.push('');
  }
  if (r.inference.length) L.push('## Inference throughput', '', ...inferenceTable(r.inference, r.torch.rows));
  if (r.training.length) {
    L.push('## Training throughput', '');
    L.push('| model | backend | batch | step ms, median (min – max) | steps/s | examples/s (images or points) | PyTorch 1 / 2 threads, steps/s |', '| --- | --- | ---: | ---: | ---: | ---: | ---: |');
    for (const t of r.training) {
      const tw = TORCH_TRAIN_OF[t.model];
      const t1 = tw ? torchRow(r.torch.rows, tw, 1) : undefined;
      const t2 = tw ? torchRow(r.torch.rows, tw, 2) : undefined;
      const torch = t1 || t2 ? `${t1 ? (1000 / t1.median_ms).toFixed(2) : '-'} / ${t2 ? (1000 / t2.median_ms).toFixed(2) : '-'}` : '-';
      if (!t.stepMs) L.push(`| ${t.model} | ${t.backend} | - | ${t.note} | - | - | - |`);
      else L.push(`| ${t.model} | ${t.backend} | ${t.batch} | ${ms(t.stepMs.median)} (${ms(t.stepMs.min)} – ${ms(t.stepMs.max)}) | ${t.stepsPerS!.toFixed(2)} | ${rate(t.imagesPerS!)} | ${torch} |`);
    }
    L.push('');
  }
  L.push('## PyTorch reference (same machine, same run)', '');
  if (r.torch.rows.length) {
    L.push('| workload | threads | median ms (min – max) | per second |', '| --- | ---: | ---: | ---: |');
    for (const t of r.torch.rows) L.push(`| ${t.workload} | ${t.threads} | ${ms(t.median_ms)} (${ms(t.min_ms)} – ${ms(t.max_ms)}) | ${rate(t.per_s)} |`);
  } else L.push(r.torch.note ?? 'not run');
  if (r.embedding) L.push(...embeddingSection(r.embedding));
  L.push('', '## GPU', '', ...r.gpu.map((g) => `- ${g}`), '');
  return L.join('\n');
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(2)} MiB`;

function embeddingSection(e: EmbeddingFigures): string[] {
  const b = e.bundle;
  return [
    '', '## Embedding (dgm-runtime, the shipped cgan)', '',
    `Tarball ${mib(e.tarballBytes)}; installed ${mib(e.installedBytes)} (the package alone; a Node app with onnxruntime-node: ${mib(e.nodeAppInstalledBytes)}). ` +
      `Vite example bundle: JS ${mib(b.jsBytes)} (${mib(b.jsGzipBytes)} gzipped), wasm ${mib(b.wasmBytes)} (${mib(b.wasmGzipBytes)} gzipped).`, '',
    '| runtime | provider | load ms | first sample (n = 1) ms | batch 64 ms | images/s |', '| --- | --- | ---: | ---: | ---: | ---: |',
    ...e.speed.map((s) => `| ${s.runtime} | ${s.provider} (${s.note}) | ${ms(s.loadMs)} | ${ms(s.firstSampleMs)} | ${ms(s.batch64Ms)} | ${rate(s.imagesPerS)} |`),
  ];
}

export function writeBenchReport(dir: string, r: BenchReport): { json: string; md: string } {
  const json = path.join(dir, BENCH_JSON);
  const md = path.join(dir, BENCH_MD);
  writeFileAtomic(json, JSON.stringify(r, null, 2) + '\n');
  writeFileAtomic(md, benchMarkdown(r));
  return { json, md };
}
