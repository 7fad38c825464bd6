/**
 * The same parity jobs through each ONNX runtime: onnxruntime-node (runtime/node.ts), onnxruntime-web's wasm
 * provider in Node (runtime/web.ts, in a child process) and Chromium with the WebGPU and wasm providers
 * (runtime/web.ts in a page). Jobs use the runtime's public API where it has one (GAN sampling, flow log-density
 * and sampling) and a plain session for the discriminator, which the API does not expose.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { Page } from 'playwright-core';
import { Flow, GanSampler } from '../../runtime/node';
import { openNodeEngine } from '../../runtime/node-providers';
import { reexecEnv, swiftShaderAvailable } from '../../runtime/vulkan-env';
import type { BrowserEp, RawFeed } from '../browser/chromium';

export type ParityJob =
  | { kind: 'gan'; model: string; n: number; seed: number; labels?: number[] }
  | { kind: 'flow-logprob'; model: string; rows: number[][] }
  | { kind: 'flow-sample'; model: string; n: number; seed: number }
  | { kind: 'raw'; model: string; file: string; output: string; feeds: Record<string, RawFeed> };

export interface JobResult {
  data: ArrayLike<number>;
  provider: string;
  note: string;
}

export async function runOnNode(job: ParityJob, provider: 'cpu' | 'webgpu' = 'cpu'): Promise<JobResult> {
  if (job.kind === 'gan') {
    const s = await GanSampler.load(job.model, { provider });
    const r = await s.sample({ n: job.n, seed: job.seed, labels: job.labels });
    await s.release();
    return { data: r.images.data, provider: s.provider, note: s.providerNote };
  }
  if (job.kind === 'flow-logprob' || job.kind === 'flow-sample') {
    const f = await Flow.load(job.model, { provider });
    const data = job.kind === 'flow-logprob' ? (await f.logProb(job.rows)).logProb : (await f.sample({ n: job.n, seed: job.seed })).x;
    const res = { data, provider: f.provider, note: f.providerNote };
    await f.release();
    return res;
  }
  const bytes = new Uint8Array(fs.readFileSync(path.join(job.model, job.file)));
  const engine = await openNodeEngine(bytes, { provider });
  const feeds = Object.fromEntries(
    Object.entries(job.feeds).map(([k, f]) => [k, f.type === 'float32' ? { type: 'float32' as const, data: Float32Array.from(f.data), dims: f.dims } : { type: 'int64' as const, data: BigInt64Array.from(f.data, (v) => BigInt(v)), dims: f.dims }]),
  );
  const out = await engine.run(feeds, [job.output]);
  await engine.release();
  return { data: out[job.output].data, provider: engine.provider, note: 'raw session' };
}

/** Where the SwiftShader parity rows can run: Chromium's Vulkan files (the test setup installs chromium). */
export function nodeWebgpuAvailable(): boolean {
  return swiftShaderAvailable();
}

/**
 * All jobs through onnxruntime-node's WebGPU provider, in one child process started with a Vulkan loader reachable
 * (Chromium's, where the system has none; runtime/vulkan-env.ts), the way `dgm ... --provider webgpu` restarts.
 */
/** A job onnxruntime's WebGPU provider has no kernel for (it refuses the session): reported, not compared. */
export interface Unsupported {
  unsupported: string;
}

export function runOnNodeWebgpu(jobs: ParityJob[]): (JobResult | Unsupported)[] {
  const root = path.join(__dirname, '..', '..');
  const r = spawnSync(process.execPath, ['-r', path.join(root, 'test', 'helpers', 'swc-register.js'), path.join(__dirname, 'node-webgpu-runner.ts')], {
    input: JSON.stringify(jobs),
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    timeout: 600_000,
    env: reexecEnv(process.env) ?? process.env,
  });
  if (r.status !== 0) throw new Error(`onnxruntime-node webgpu failed (exit ${r.status}): ${r.stderr || r.error}`);
  const results = JSON.parse(r.stdout) as (JobResult | { error: string })[];
  return results.map((x, i) => {
    if (!('error' in x)) return x;
    const unsupported = /Unsupported [^\n]* for WebGPU[^\n]*/.exec(x.error);
    if (unsupported) return { unsupported: unsupported[0].trim() };
    throw new Error(`onnxruntime-node webgpu, job ${i} (${jobs[i].kind} ${jobs[i].model}): ${x.error}`);
  });
}

/** All jobs in one child process running dist/web/runtime/web.js (built by ensureWebBuild) under plain Node. */
export function runOnWebInNode(webEntry: string, jobs: ParityJob[]): JobResult[] {
  const r = spawnSync(process.execPath, [path.join(__dirname, 'web-node-runner.mjs'), webEntry], {
    input: JSON.stringify(jobs),
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    timeout: 600_000,
  });
  if (r.status !== 0) throw new Error(`onnxruntime-web in Node failed (exit ${r.status}): ${r.stderr || r.error}`);
  const results = JSON.parse(r.stdout) as (JobResult | { error: string })[];
  return results.map((x, i) => {
    if ('error' in x) throw new Error(`onnxruntime-web in Node, job ${i} (${jobs[i].kind} ${jobs[i].model}): ${x.error}`);
    return x;
  });
}

/** The harness page (RUNTIME_HARNESS_HTML) runs the job with runtime/web.ts; `url` maps a model folder to its URL. */
export async function runInPage(page: Page, job: ParityJob, provider: BrowserEp, url: (modelDir: string) => string): Promise<JobResult> {
  const pageJob = { ...job, model: url(job.model) };
  return page.evaluate(
    async ({ job, provider }) => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const w = window as any;
      const web = w.dgmWeb;
      if (job.kind === 'gan') {
        const s = await web.GanSampler.load(job.model, { provider });
        const r = await s.sample({ n: job.n, seed: job.seed, labels: job.labels });
        await s.release();
        return { data: Array.from(r.images.data as Float32Array), provider: s.provider as string, note: s.providerNote as string };
      }
      if (job.kind === 'flow-logprob' || job.kind === 'flow-sample') {
        const f = await web.Flow.load(job.model, { provider });
        const out: Float32Array = job.kind === 'flow-logprob' ? (await f.logProb(job.rows)).logProb : (await f.sample({ n: job.n, seed: job.seed })).x;
        const res = { data: Array.from(out), provider: f.provider as string, note: f.providerNote as string };
        await f.release();
        return res;
      }
      const ort = w.ort;
      const session = await ort.InferenceSession.create(job.model.replace(/model\.onnx$/, job.file), { executionProviders: [provider] });
      const feeds: Record<string, unknown> = {};
      for (const [name, f] of Object.entries(job.feeds)) {
        const data = f.type === 'float32' ? Float32Array.from(f.data) : BigInt64Array.from(f.data.map((v) => BigInt(v)));
        feeds[name] = new ort.Tensor(f.type, data, f.dims);
      }
      const out = await session.run(feeds);
      await session.release();
      return { data: Array.from(out[job.output].data as Float32Array), provider, note: 'raw session' };
    },
    { job: pageJob, provider },
  );
}
