/**
 * `make gpu-check` (`dgm gpu-check`): what GPU paths this machine has and how fast they are, beside the CPU paths of
 * the same run, with parity against CPU. Installs nothing. Writes reports/gpu.json and reports/gpu.md.
 *
 * - environment: NVIDIA devices (nvidia-smi -L), the Vulkan loader and driver manifests, SwiftShader, tfjs-node,
 *   onnxruntime's CUDA provider, and the WebGPU adapter Dawn gives (vendor, architecture, fallback or not);
 * - training steps/s of the course GAN and of the maf-fmnist step on tfjs `webgpu` (and `tensorflow` when
 *   installed) beside tfjs `wasm`, each with the parameters after one step from the same start compared with wasm's;
 * - generator images/s and MAF log_prob rows/s on onnxruntime-node `webgpu` and `cuda` (when installed) beside its
 *   `cpu` provider, outputs compared with cpu's on the same inputs.
 * On a software adapter (SwiftShader) the figures are labelled as not GPU figures, and the batches are smaller so
 * the run stays short; the CPU figures beside them use the same batches.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as ort from 'onnxruntime-node';
import * as tf from '@tensorflow/tfjs-core';
import { cudaProviderInstalled } from '../runtime/node-providers';
import { CHROMIUM_LIB_DIR, installedIcds, reachableVulkanLoader, swiftShaderAvailable, webgpuForOrt } from '../runtime/vulkan-env';
import { initBackend, shutdownBackend, backendInfo } from '../training/backend';
import { timeWorkloadAsync } from '../training/bench/timing';
import { findNodeAdapter, type AdapterSummary } from '../training/webgpu';
import { writeFileAtomic } from '../training/harness/atomic-write';
import { generatorWorkload } from '../families/gan/gan-inference';
import { mafLogProbWorkload, MAF_FMNIST } from '../families/maf/maf-inference';
import { timeCalls } from './bench/timing';
import { gpuCheckPlans, TrainingModel, trainingWorkload } from './bench/training-workloads';

export interface GpuCheckOptions {
  outDir: string;
  /** Time budget of one timed row, seconds. */
  rowBudgetS: number;
  log: (line: string) => void;
}

interface TrainRow {
  model: string;
  batch: number;
  backend: string;
  msPerStep: number | null;
  stepsPerS: number | null;
  /** max |param - wasm param| after one step from the same start (null for wasm itself). */
  paramMaxAbs: number | null;
  note: string;
}

interface InferRow {
  workload: string;
  unit: string;
  batch: number;
  provider: string;
  msPerCall: number | null;
  perS: number | null;
  /** max |output - cpu output| on the same inputs. */
  maxAbsVsCpu: number | null;
  note: string;
}

export interface GpuReport {
  date: string;
  host: { platform: string; node: string; cpus: number };
  gpuFigures: boolean;
  environment: Record<string, unknown>;
  adapter: AdapterSummary | null;
  training: TrainRow[];
  inference: InferRow[];
  seconds: number;
}

function tryRun(cmd: string, args: string[]): string | null {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 20_000 }).trim();
  } catch {
    return null;
  }
}

function resolvable(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

async function readVars(vs: tf.Variable[]): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const v of vs) out.push(Float32Array.from((await v.data()) as Float32Array));
  return out;
}

function maxAbsLists(a: Float32Array[], b: Float32Array[]): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) for (let j = 0; j < a[i].length; j++) {
    const d = Math.abs(a[i][j] - b[i][j]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

/** One step's parameters from the workload's seeded start, then the timed steps. */
async function trainRow(model: TrainingModel, batch: number, budgetMs: number): Promise<{ after1: Float32Array[]; ms: number }> {
  const w = trainingWorkload(model, batch);
  try {
    await w.step();
    const after1 = await readVars(w.variables());
    const t = await timeWorkloadAsync(w, { warmup: 0, reps: 10, budgetMs });
    return { after1, ms: t.medianMs };
  } finally {
    w.dispose();
  }
}

export async function runGpuCheck(o: GpuCheckOptions): Promise<GpuReport> {
  const t0 = Date.now();
  const env: Record<string, unknown> = {
    nvidiaSmi: tryRun('nvidia-smi', ['-L']) ?? 'not found',
    vulkanLoader: reachableVulkanLoader() ?? 'none',
    vulkanLoaderIsChromiums: (reachableVulkanLoader() ?? '').startsWith(CHROMIUM_LIB_DIR),
    vulkanDriverManifests: installedIcds(),
    VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES ?? null,
    swiftShader: swiftShaderAvailable(),
    tfjsNode: resolvable('@tensorflow/tfjs-node-gpu') ? '@tensorflow/tfjs-node-gpu' : resolvable('@tensorflow/tfjs-node') ? '@tensorflow/tfjs-node' : 'not installed',
    onnxruntimeCuda: cudaProviderInstalled(),
    onnxruntimeBackends: ort.listSupportedBackends().map((b) => b.name),
  };
  for (const [k, v] of Object.entries(env)) o.log(`gpu-check: ${k}: ${Array.isArray(v) ? v.join(', ') || '(none)' : String(v)}`);
  const found = await findNodeAdapter(true);
  const adapter = found.ok ? found.summary : null;
  env.webgpuAdapter = found.ok ? found.summary : found.reason;
  const software = !adapter || adapter.software;
  o.log(`gpu-check: WebGPU adapter: ${found.ok ? `${adapter!.vendor} ${adapter!.architecture} (${adapter!.description || adapter!.device}; fallback ${adapter!.fallback}; ${adapter!.software ? 'software' : 'hardware'})` : found.reason}`);
  if (software) o.log('gpu-check: no hardware GPU adapter: the webgpu figures below are a CPU emulation (SwiftShader), NOT GPU figures');
  const budgetMs = o.rowBudgetS * 1000;

  // Training: wasm first (the reference), then the GPU backends on the same seeded start.
  const training: TrainRow[] = [];
  const plans = gpuCheckPlans(software);
  const gpuBackends: ('webgpu' | 'tensorflow')[] = [...(found.ok ? ['webgpu' as const] : []), ...(env.tfjsNode !== 'not installed' ? ['tensorflow' as const] : [])];
  for (const [model, batch] of plans) {
    await initBackend({ backend: 'wasm', quiet: true });
    const ref = await trainRow(model, batch, budgetMs);
    const wasmLine = backendInfo()?.line ?? 'wasm';
    training.push({ model, batch, backend: 'wasm', msPerStep: ref.ms, stepsPerS: 1000 / ref.ms, paramMaxAbs: null, note: wasmLine.replace(/^backend: /, '') });
    o.log(`gpu-check: train ${model} batch ${batch} wasm: ${ref.ms.toFixed(1)} ms/step`);
    for (const b of gpuBackends) {
      try {
        await initBackend({ backend: b, quiet: true });
        const r = await trainRow(model, batch, budgetMs);
        const d = maxAbsLists(r.after1, ref.after1);
        training.push({ model, batch, backend: b, msPerStep: r.ms, stepsPerS: 1000 / r.ms, paramMaxAbs: d, note: (backendInfo()?.line ?? b).replace(/^backend: /, '') });
        o.log(`gpu-check: train ${model} batch ${batch} ${b}: ${r.ms.toFixed(1)} ms/step; params after 1 step vs wasm: max |diff| ${d.toExponential(2)}`);
      } catch (err) {
        training.push({ model, batch, backend: b, msPerStep: null, stepsPerS: null, paramMaxAbs: null, note: `failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` });
        o.log(`gpu-check: train ${model} ${b} failed: ${String(err)}`);
      }
    }
  }
  await shutdownBackend();

  // Inference on onnxruntime-node: cpu, then webgpu and cuda on the same inputs.
  const inference: InferRow[] = [];
  const ortGpu = webgpuForOrt(true);
  const providers = [...(ortGpu.ok ? ['webgpu'] : []), ...(cudaProviderInstalled() ? ['cuda'] : [])];
  const inferPlans = [
    { make: () => generatorWorkload(false), batch: software ? 64 : 256 },
    { make: () => mafLogProbWorkload('maf-fmnist-logprob', MAF_FMNIST), batch: software ? 32 : 256 },
  ];
  for (const p of inferPlans) {
    const w = p.make();
    try {
      const feeds = w.feeds(p.batch);
      let ref: ArrayLike<number> | null = null;
      for (const ep of ['cpu', ...providers]) {
        try {
          const session = await ort.InferenceSession.create(w.onnx, { executionProviders: [ep], graphOptimizationLevel: 'all' });
          const outName = session.outputNames[0];
          let out: ArrayLike<number> = [];
          const t = await timeCalls(async () => {
            const r = await session.run(feeds);
            out = r[outName].data as Float32Array;
          }, { warmup: 1, reps: 10, minReps: 2, budgetMs });
          await session.release();
          const d = ref ? maxAbs(out, ref) : null;
          if (!ref) ref = out;
          inference.push({ workload: w.key, unit: w.unit, batch: p.batch, provider: ep, msPerCall: t.medianMs, perS: (p.batch * 1000) / t.medianMs, maxAbsVsCpu: d, note: ep === 'webgpu' ? ortGpu.ok ? ortGpu.adapter : '' : '' });
          o.log(`gpu-check: ${w.key} batch ${p.batch} onnxruntime ${ep}: ${((p.batch * 1000) / t.medianMs).toFixed(0)} ${w.unit}/s${d !== null ? `; max |diff| vs cpu ${d.toExponential(2)}` : ''}`);
        } catch (err) {
          inference.push({ workload: w.key, unit: w.unit, batch: p.batch, provider: ep, msPerCall: null, perS: null, maxAbsVsCpu: null, note: `failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` });
          o.log(`gpu-check: ${w.key} onnxruntime ${ep} failed: ${String(err)}`);
        }
      }
    } finally {
      w.dispose();
    }
  }
  const report: GpuReport = {
    date: new Date().toISOString(),
    host: { platform: `${process.platform}-${process.arch}`, node: process.version, cpus: require('os').cpus().length },
    gpuFigures: !software,
    environment: env,
    adapter,
    training,
    inference,
    seconds: (Date.now() - t0) / 1000,
  };
  fs.mkdirSync(o.outDir, { recursive: true });
  writeFileAtomic(path.join(o.outDir, 'gpu.json'), JSON.stringify(report, null, 2) + '\n');
  writeFileAtomic(path.join(o.outDir, 'gpu.md'), gpuMarkdown(report));
  return report;
}

const f = (v: number | null, d = 1) => (v === null ? 'n/a' : v.toFixed(d));
const e = (v: number | null) => (v === null ? '' : v.toExponential(2));

export function gpuMarkdown(r: GpuReport): string {
  const lines = [
    '# GPU check (`make gpu-check`)',
    '',
    r.gpuFigures
      ? `WebGPU adapter: ${r.adapter!.vendor} ${r.adapter!.architecture} (${r.adapter!.description || r.adapter!.device}), hardware.`
      : `**These are not GPU figures.** No hardware GPU adapter was found; the webgpu rows ran on ${r.adapter ? `${r.adapter.vendor} ${r.adapter.architecture} (${r.adapter.description}; a CPU emulation of a GPU)` : 'no adapter at all'}, with smaller batches, to check that the GPU code paths run and agree with the CPU.`,
    '',
    `Run ${r.date} on ${r.host.platform}, Node ${r.host.node}, ${r.host.cpus} logical CPUs; ${r.seconds.toFixed(0)} s in all.`,
    '',
    '## What this machine has',
    '',
    ...Object.entries(r.environment).map(([k, v]) => `- ${k}: ${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`),
    '',
    '## Training steps (tfjs)',
    '',
    '| model | batch | backend | ms/step | steps/s | params after 1 step: max abs diff vs wasm | note |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...r.training.map((t) => `| ${t.model} | ${t.batch} | ${t.backend} | ${f(t.msPerStep)} | ${f(t.stepsPerS, 2)} | ${e(t.paramMaxAbs)} | ${t.note} |`),
    '',
    '## Inference (onnxruntime-node)',
    '',
    '| workload | batch | provider | ms/call | per second | max abs diff vs cpu | note |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...r.inference.map((i) => `| ${i.workload} | ${i.batch} | ${i.provider} | ${f(i.msPerCall)} | ${f(i.perS, 0)} ${i.unit}/s | ${e(i.maxAbsVsCpu)} | ${i.note} |`),
    '',
  ];
  return lines.join('\n');
}
