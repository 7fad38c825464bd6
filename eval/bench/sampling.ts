/**
 * Inference throughput: every workload of inference-workloads.ts at every batch size on onnxruntime-node (CPU
 * provider, 1 and 2 intra-op threads) and on tfjs (the wasm backend, as initialised by the caller), in one run.
 * The CUDA provider row is timed when its library is installed, else marked not available.
 */
import * as ort from 'onnxruntime-node';
import { cudaProviderInstalled } from '../../runtime/node-providers';
import { webgpuForOrt } from '../../runtime/vulkan-env';
import { InferenceWorkload } from './inference-workloads';
import { ortSessionOptions, Timing, timeCalls, TimingOptions } from './timing';

export interface InferenceRow {
  workload: string;
  title: string;
  unit: string;
  batch: number;
  /** e.g. 'onnxruntime-node cpu 1 thread', 'tfjs wasm 2 threads'. */
  runtime: string;
  timing?: Timing;
  /** Rows (images) per second at the median. */
  perS?: number;
  note?: string;
}

export interface InferencePlan {
  workload: InferenceWorkload;
  batches: number[];
  /** Batches tfjs runs (others get `tfjsNote`); default all. */
  tfjsBatches?: number[];
  tfjsNote?: string;
  timing: TimingOptions;
}

export async function benchInference(plan: InferencePlan, ortThreads: number[], tfjsLabel: string, log: (s: string) => void): Promise<InferenceRow[]> {
  const w = plan.workload;
  const rows: InferenceRow[] = [];
  const base = { workload: w.key, title: w.title, unit: w.unit };
  // onnxruntime configurations: the CPU provider with each thread count, and CUDA where its provider is installed.
  const configs = ortThreads.map((t) => ({ label: `onnxruntime-node cpu ${t} thread${t > 1 ? 's' : ''}`, options: ortSessionOptions(t) }));
  const cuda = cudaProviderInstalled();
  if (cuda) configs.push({ label: 'onnxruntime-node cuda', options: { ...ortSessionOptions(1), executionProviders: ['cuda'] } });
  // WebGPU where a hardware Vulkan driver is installed (a software adapter's figures are make gpu-check's business).
  const webgpu = webgpuForOrt(false);
  if (webgpu.ok) configs.push({ label: 'onnxruntime-node webgpu', options: { ...ortSessionOptions(1), executionProviders: ['webgpu'] } });
  const sessions: ort.InferenceSession[] = [];
  try {
    for (const c of configs) sessions.push(await ort.InferenceSession.create(w.onnx, c.options));
    for (const batch of plan.batches) {
      const feeds = w.feeds(batch);
      for (const [i, c] of configs.entries()) {
        log(`bench: ${w.key} batch ${batch} ${c.label}`);
        const timing = await timeCalls(() => sessions[i].run(feeds), plan.timing);
        rows.push({ ...base, batch, runtime: c.label, timing, perS: (batch * 1000) / timing.medianMs });
      }
      if (plan.tfjsBatches && !plan.tfjsBatches.includes(batch)) {
        rows.push({ ...base, batch, runtime: tfjsLabel, note: plan.tfjsNote ?? 'not run' });
      } else {
        log(`bench: ${w.key} batch ${batch} ${tfjsLabel}`);
        const timing = await timeCalls(w.tfjs(batch), plan.timing);
        rows.push({ ...base, batch, runtime: tfjsLabel, timing, perS: (batch * 1000) / timing.medianMs });
      }
    }
  } finally {
    for (const s of sessions) await s.release();
  }
  if (!cuda) rows.push({ ...base, batch: 0, runtime: 'onnxruntime-node cuda', note: 'not available (no GPU; CUDA provider not installed)' });
  if (!webgpu.ok) rows.push({ ...base, batch: 0, runtime: 'onnxruntime-node webgpu', note: `not available (${webgpu.reason}; make gpu-check runs it on SwiftShader)` });
  return rows;
}
