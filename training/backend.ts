/**
 * Chooses the tfjs backend every training command runs on: `tensorflow` (tfjs-node / tfjs-node-gpu, an optional
 * native install), `webgpu` (tfjs-webgpu on Dawn, training/webgpu.ts; `auto` takes hardware adapters only), `wasm` (XNNPACK, multi-threaded, with our kernel overrides from wasm-kernels/) or `cpu` (plain
 * JavaScript: correct but ~30x slower than wasm; for tests and tiny models).
 *
 * The threaded wasm build is disabled upstream in Node because emscripten hands its pthread workers Blob URLs, which
 * Node's worker_threads cannot load. We run it anyway by writing those two scripts to a temporary folder while the
 * module starts (see startThreadedWasm). The pthread pool keeps the process alive afterwards, so every process that
 * calls initBackend must call shutdownBackend before it expects to exit.
 */
import * as fs from 'fs';
import os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfwasm from '@tensorflow/tfjs-backend-wasm';
import { loadGradients } from './gradients';
import { registerWasmKernels } from './wasm-kernels';
import { registerWebgpuKernels } from './webgpu-kernels';
import { AdapterSummary, describeAdapter, findNodeAdapter, startWebgpuBackend, stopWebgpuBackend } from './webgpu';

export type BackendChoice = 'auto' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'];

export interface BackendOptions {
  backend?: BackendChoice;
  /** wasm threads; default: the logical cores (at most 8, the size of emscripten's pre-started worker pool). */
  threads?: number;
  /** No status line. */
  quiet?: boolean;
}

export interface BackendInfo {
  name: 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
  /** webgpu: the adapter it runs on. */
  adapter?: AdapterSummary;
  /** wasm: XNNPACK threads actually in use. */
  threads: number;
  simd: boolean;
  /** The one-line status printed by initBackend. */
  line: string;
}

/** The most threads the wasm build can use: emscripten starts a pool of 8 pthread workers. */
export const MAX_WASM_THREADS = 8;
const INIT_TIMEOUT_MS = 60_000;

let current: BackendInfo | null = null;
// `removeBackend` forgets the factory, so keep the one the wasm package registered to start it again later.
const wasmFactory = tf.findBackendFactory('wasm');

export function parseBackendChoice(s: string): BackendChoice {
  if ((BACKEND_CHOICES as readonly string[]).includes(s)) return s as BackendChoice;
  throw new Error(`--backend: expected one of ${BACKEND_CHOICES.join(', ')}, got '${s}'`);
}

export function defaultThreads(): number {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(MAX_WASM_THREADS, cores));
}

/** The backend initBackend set up last, or null. */
export function backendInfo(): BackendInfo | null {
  return current;
}

/**
 * Sets the tfjs backend (registering our wasm kernels first), prints one line saying which one and why, and returns
 * its name. Calling it again with another backend or thread count tears the previous wasm instance down: tensors
 * that lived on it are gone, so create models after this call.
 */
export async function initBackend(opts: BackendOptions = {}): Promise<string> {
  const choice = opts.backend ?? 'auto';
  if (!BACKEND_CHOICES.includes(choice)) parseBackendChoice(String(choice));
  const threads = opts.threads ?? defaultThreads();
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_WASM_THREADS) {
    throw new Error(`threads: expected an integer from 1 to ${MAX_WASM_THREADS}, got ${threads}`);
  }
  await loadGradients();
  registerWasmKernels();
  let info: BackendInfo;
  if (choice === 'tensorflow') {
    const tfn = loadTfjsNode();
    if (!tfn.ok) throw new Error(`--backend tensorflow: ${tfn.reason}; install it with \`make install-gpu\` (needs CUDA 12) or \`npm install --no-save @tensorflow/tfjs-node\``);
    info = await useTensorflow(tfn.pkg, `chosen by --backend tensorflow`);
  } else if (choice === 'webgpu') {
    const found = await findNodeAdapter(true);
    if (!found.ok) throw new Error(`--backend webgpu: ${found.reason}`);
    const driver = found.summary.driver === 'swiftshader' ? `; no hardware adapter, so Chromium's SwiftShader Vulkan driver (${process.env.VK_ICD_FILENAMES})` : '';
    info = await useWebgpu(found, `chosen by --backend webgpu${driver}`);
  } else if (choice === 'cpu') {
    info = await useCpu('chosen by --backend cpu (plain JavaScript: slow)');
  } else if (choice === 'wasm') {
    info = await useWasm(threads, 'chosen by --backend wasm');
  } else {
    const tfn = loadTfjsNode();
    if (tfn.ok) {
      info = await useTensorflow(tfn.pkg, `${tfn.pkg} found`);
    } else {
      const found = await findNodeAdapter(false);
      let why = `${tfn.reason}; webgpu: ${found.ok ? '' : found.reason}`;
      info = null as unknown as BackendInfo;
      if (found.ok) {
        try {
          info = await useWebgpu(found, `${tfn.reason}; hardware WebGPU adapter found`);
        } catch (err) {
          why = `${tfn.reason}; webgpu failed to start (${errorText(err)})`;
        }
      }
      if (!info) {
        try {
          info = await useWasm(threads, why);
        } catch (err) {
          info = await useCpu(`wasm failed to start (${errorText(err)}); ${why}`);
        }
      }
    }
  }
  if (!opts.quiet) console.error(info.line);
  return info.name;
}

/** Stops the wasm worker threads (so the process can exit) and leaves tfjs on the cpu backend. Safe to repeat. */
export async function shutdownBackend(): Promise<void> {
  stopWasm();
  stopWebgpu();
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
  quietCpuBanner();
  current = null;
}

/** The cpu backend prints a multi-line "install tfjs-node" banner on its first tensor in Node; our status line
 *  already says what runs where (and how to get tfjs-node), so mark the banner as shown. */
function quietCpuBanner(): void {
  const cpu = tf.engine().registry['cpu'] as unknown as { firstUse?: boolean } | undefined;
  if (cpu && 'firstUse' in cpu) cpu.firstUse = false;
}

// ---------------------------------------------------------------------------------------------------------------

type TfjsNodeLookup = { ok: true; pkg: string } | { ok: false; reason: string };

/** tfjs-node is optional (its install downloads libtensorflow): look for it at run time, never at build time. */
function loadTfjsNode(): TfjsNodeLookup {
  const reasons: string[] = [];
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    let resolved: string;
    try {
      resolved = require.resolve(pkg);
    } catch {
      continue;
    }
    try {
      require(resolved);
    } catch (err) {
      reasons.push(`${pkg} failed to load (${errorText(err)})`);
      continue;
    }
    if (!tf.findBackendFactory('tensorflow')) {
      reasons.push(`${pkg} loaded but registered no 'tensorflow' backend with this @tensorflow/tfjs-core ${tf.version_core} (versions differ?)`);
      continue;
    }
    return { ok: true, pkg };
  }
  return { ok: false, reason: reasons.length ? reasons.join('; ') : 'tfjs-node not installed' };
}

async function useWebgpu(found: Extract<Awaited<ReturnType<typeof findNodeAdapter>>, { ok: true }>, why: string): Promise<BackendInfo> {
  stopWasm();
  registerWebgpuKernels();
  await startWebgpuBackend(found);
  const line = `backend: webgpu (${describeAdapter(found.summary)}); ${why}`;
  return (current = { name: 'webgpu', threads: 0, simd: false, adapter: found.summary, line });
}

function stopWebgpu(): void {
  stopWebgpuBackend();
  if (current?.name === 'webgpu') current = null;
}

async function useTensorflow(pkg: string, why: string): Promise<BackendInfo> {
  stopWasm();
  stopWebgpu();
  if (!(await tf.setBackend('tensorflow'))) throw new Error(`${pkg}: the tensorflow backend failed to initialise`);
  const line = `backend: tensorflow (${pkg}); ${why}`;
  return (current = { name: 'tensorflow', threads: 0, simd: false, line });
}

async function useCpu(why: string): Promise<BackendInfo> {
  stopWasm();
  stopWebgpu();
  if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend failed to initialise');
  quietCpuBanner();
  return (current = { name: 'cpu', threads: 1, simd: false, line: `backend: cpu; ${why}` });
}

async function useWasm(threads: number, why: string): Promise<BackendInfo> {
  if (current?.name === 'wasm' && current.threads === threads && tf.getBackend() === 'wasm') return current;
  stopWasm();
  stopWebgpu();
  let note = '';
  if (threads > 1) {
    try {
      await startWasm(threads);
    } catch (err) {
      // One honest line, then the single-threaded build, which needs no workers.
      note = `; threaded build failed (${errorText(err)}), using 1 thread`;
      stopWasm();
      await startWasm(1);
    }
  } else {
    await startWasm(1);
  }
  const actual = tfwasm.getThreadsCount();
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
  const line = `backend: wasm (${actual} thread${actual === 1 ? '' : 's'}${simd ? ', SIMD' : ''}); ${why}${note}`;
  return (current = { name: 'wasm', threads: actual, simd, line });
}

/** Disposes the wasm backend instance (terminating its pthread workers) and re-registers its factory. */
function stopWasm(): void {
  if (tf.engine().registry['wasm']) {
    tf.removeBackend('wasm');
  }
  if (!tf.findBackendFactory('wasm') && wasmFactory) tf.registerBackend('wasm', wasmFactory, 2);
  if (current?.name === 'wasm') current = null;
}

async function startWasm(threads: number): Promise<void> {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', threads > 1);
  tfwasm.setThreadsCount(threads);
  const ok = threads > 1 ? await startThreadedWasm(threads) : await tf.setBackend('wasm');
  if (!ok) throw new Error('tf.setBackend("wasm") returned false (see the warning above)');
  if (threads > 1 && tfwasm.getThreadsCount() !== threads) {
    throw new Error(`asked for ${threads} threads, XNNPACK reports ${tfwasm.getThreadsCount()}`);
  }
}

/**
 * Starts the threaded-SIMD wasm module under Node. Three things upstream's loader does not do for Node, done here for
 * the duration of the start only:
 * - the pthread worker script and the module's own source (which every worker evaluates) are handed out as Blob
 *   URLs; we record the text of each Blob and write it to a temporary file that worker_threads can load, and tell the
 *   worker script to read the module source from that file;
 * - the module source, taken out of the rollup bundle, refers to the bundle's `require$$N` / `commonjsGlobal`
 *   names, which we define in front of it;
 * - XNNPACK caps its pool at half of `os.cpus().length` (it assumes 2 hyper-threads a core), so we report enough
 *   cores for the requested count.
 * The workers have read both files once the module is ready, so the folder is removed right away.
 */
async function startThreadedWasm(threads: number): Promise<boolean> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dgm-wasm-'));
  const mainPath = path.join(dir, 'tfjs-backend-wasm-threaded-simd.js');
  const workerPath = path.join(dir, 'tfjs-backend-wasm-threaded-simd.worker.js');
  const bundleNames =
    "var require$$0=require('fs'),require$$1=require('path'),require$$3=require('perf_hooks'),require$$4=require('os');" +
    'var commonjsGlobal=globalThis;\n';
  const texts = new WeakMap<Blob, string>();
  const OrigBlob = globalThis.Blob;
  const origCreateObjectURL = URL.createObjectURL;
  const origCpus = os.cpus;
  class RecordingBlob extends OrigBlob {
    constructor(parts?: BlobPart[], options?: BlobPropertyBag) {
      super(parts, options);
      if (parts && parts.every((p) => typeof p === 'string')) {
        const text = (parts as string[]).join('');
        texts.set(this, text);
        if (text.startsWith('var WasmBackendModuleThreadedSimd')) fs.writeFileSync(mainPath, bundleNames + text);
      }
    }
  }
  URL.createObjectURL = (obj: Blob | MediaSource): string => {
    const text = obj instanceof OrigBlob ? texts.get(obj) : undefined;
    if (text === undefined) return origCreateObjectURL(obj as Blob);
    if (!fs.existsSync(workerPath)) {
      if (!fs.existsSync(mainPath)) throw new Error('wasm worker requested before the module source was seen');
      // The worker turns the module Blob it receives into a URL itself: point that at the file instead.
      const shim = `URL.createObjectURL=()=>${JSON.stringify(mainPath)};URL.revokeObjectURL=()=>{};\n`;
      fs.writeFileSync(workerPath, shim + text);
    }
    return workerPath;
  };
  const cpus = origCpus();
  os.cpus = () => Array.from({ length: Math.max(cpus.length, 2 * threads) }, (_, i) => cpus[i % cpus.length]);
  globalThis.Blob = RecordingBlob as typeof Blob;
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer from the wasm workers in ${INIT_TIMEOUT_MS / 1000} s`)), INIT_TIMEOUT_MS);
    });
    return await Promise.race([tf.setBackend('wasm'), timeout]);
  } finally {
    clearTimeout(timer);
    globalThis.Blob = OrigBlob;
    URL.createObjectURL = origCreateObjectURL;
    os.cpus = origCpus;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : typeof err === 'object' && err && 'message' in err ? String((err as { message: unknown }).message) : String(err);
}
