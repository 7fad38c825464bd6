/**
 * Execution providers for onnxruntime-node. `auto`: CUDA when its provider library is installed, else WebGPU (Dawn
 * inside onnxruntime) when a hardware Vulkan driver is installed, else the CPU provider. `webgpu` on request runs on
 * whatever adapter there is, SwiftShader's software one included (parity checks, not speed; vulkan-env.ts).
 * The chosen provider is reported; an explicitly requested provider that cannot run is an error, never a silent
 * fallback.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ort from 'onnxruntime-node';
import { Engine, OrtLike } from './core/engine.js';
import { packageRequire } from './node-location.js';
import { webgpuForOrt } from './vulkan-env.js';

export const NODE_PROVIDERS = ['auto', 'cuda', 'cpu', 'webgpu'] as const;
export type NodeProvider = (typeof NODE_PROVIDERS)[number];

export interface NodeEngineOptions {
  provider?: NodeProvider;
  /** Intra-op threads for the CPU provider (default: onnxruntime's, one per physical core). */
  threads?: number;
  /** Where the one-line provider messages go (default: stderr). */
  log?: (line: string) => void;
}

/**
 * onnxruntime-node lists 'cuda' as a backend even when the CUDA provider library was never downloaded (its install
 * script skips it unless ONNXRUNTIME_NODE_INSTALL=cuda12); the library next to the native binding is what counts.
 */
export function cudaProviderInstalled(): boolean {
  if (!ort.listSupportedBackends().some((b) => b.name === 'cuda')) return false;
  const bindingDir = path.join(path.dirname(packageRequire().resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', process.platform, process.arch);
  return fs.existsSync(path.join(bindingDir, 'libonnxruntime_providers_cuda.so'));
}

export function checkNodeProvider(p: unknown, name = 'provider'): NodeProvider {
  if (typeof p !== 'string' || !(NODE_PROVIDERS as readonly string[]).includes(p)) {
    throw new Error(`${name} must be one of ${NODE_PROVIDERS.join(', ')}, got ${JSON.stringify(p)}`);
  }
  return p as NodeProvider;
}

export async function openNodeEngine(bytes: Uint8Array, opts: NodeEngineOptions = {}): Promise<Engine> {
  const provider = checkNodeProvider(opts.provider ?? 'auto');
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const sessionOptions = opts.threads ? { intraOpNumThreads: opts.threads } : {};
  const create = (ep: string, note: string) => Engine.create(ort as unknown as OrtLike, bytes, ep, sessionOptions, note);
  if (provider === 'cpu') return create('cpu', 'requested');
  if (provider === 'cuda') {
    if (!cudaProviderInstalled()) {
      throw new Error(
        'provider cuda was requested but the CUDA execution provider is not installed (reinstall onnxruntime-node with ONNXRUNTIME_NODE_INSTALL=cuda12: make install-gpu)',
      );
    }
    return wrap(() => create('cuda', 'requested'), 'cuda');
  }
  if (provider === 'webgpu') {
    const gpu = webgpuForOrt(true);
    if (!gpu.ok) throw new Error(`provider webgpu was requested but cannot run: ${gpu.reason}`);
    return wrap(() => create('webgpu', `requested; ${gpu.adapter}`), 'webgpu');
  }
  // auto
  if (cudaProviderInstalled()) {
    try {
      return await create('cuda', 'auto: CUDA provider installed');
    } catch (err) {
      log(`onnxruntime: CUDA provider failed (${firstLine(err)}); using cpu`);
      return create('cpu', 'auto: CUDA provider failed');
    }
  }
  const gpu = webgpuForOrt(false);
  if (gpu.ok) {
    try {
      return await create('webgpu', `auto: no CUDA provider installed; ${gpu.adapter}`);
    } catch (err) {
      log(`onnxruntime: WebGPU provider failed (${firstLine(err)}); using cpu`);
      return create('cpu', 'auto: no CUDA provider installed, WebGPU provider failed');
    }
  }
  return create('cpu', `auto: no CUDA provider installed; webgpu: ${gpu.reason}`);
}

async function wrap(f: () => Promise<Engine>, ep: string): Promise<Engine> {
  try {
    return await f();
  } catch (err) {
    throw new Error(`provider ${ep} was requested but could not start: ${firstLine(err)}`);
  }
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}
