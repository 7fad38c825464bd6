/**
 * tfjs' WebGPU backend in Node, on Dawn (the optional `webgpu` package, loaded only here and only when asked).
 *
 * Adapter choice: a hardware adapter first, with the Vulkan drivers the system has; a software one (Chromium's
 * SwiftShader, a CPU emulation of a GPU) only where the caller allows it, i.e. `--backend webgpu` asked explicitly,
 * never `auto`. Which Vulkan loader and driver Dawn sees is runtime/vulkan-env.ts's business.
 *
 * tfjs-webgpu reads tensors synchronously through an OffscreenCanvas, which Node lacks: on this backend every read
 * of a value must be asynchronous (`await t.data()`); a synchronous read fails with an error that says so.
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { installedIcds, isSoftwareIcd, reachableVulkanLoader, selectSwiftShader, SWIFTSHADER_ICD, swiftShaderAvailable } from '../runtime/vulkan-env';

/** What the one-line report and `make gpu-check` say about an adapter. */
export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** WebGPU's isFallbackAdapter. */
  fallback: boolean;
  /** A CPU emulation (fallback adapter, SwiftShader, lavapipe/llvmpipe): never a GPU. */
  software: boolean;
  /** Which Vulkan driver set gave it. */
  driver: 'system' | 'swiftshader';
}

interface GpuAdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}
interface GpuAdapterLike {
  info: GpuAdapterInfoLike;
  isFallbackAdapter?: boolean;
  features: Set<string>;
  limits: Record<string, number>;
  requestDevice(desc?: unknown): Promise<GpuDeviceLike>;
}
interface GpuDeviceLike {
  destroy(): void;
}
interface GpuLike {
  requestAdapter(opts?: unknown): Promise<GpuAdapterLike | null>;
}
interface Dawn {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}

export type AdapterLookup = { ok: true; gpu: GpuLike; adapter: GpuAdapterLike; summary: AdapterSummary } | { ok: false; reason: string };

/** Software adapters report themselves as fallback adapters, or name their rasteriser. */
export function isSoftwareAdapter(info: GpuAdapterInfoLike, isFallback: boolean): boolean {
  if (isFallback) return true;
  return /swiftshader|llvmpipe|lavapipe|software/i.test([info.vendor, info.architecture, info.device, info.description].join(' '));
}

export function summarize(adapter: GpuAdapterLike, driver: AdapterSummary['driver']): AdapterSummary {
  const i = adapter.info ?? {};
  const fallback = !!(i.isFallbackAdapter ?? adapter.isFallbackAdapter);
  return {
    vendor: i.vendor || 'unknown',
    architecture: i.architecture || 'unknown',
    device: i.device || '',
    description: i.description || '',
    fallback,
    software: isSoftwareAdapter(i, fallback),
    driver,
  };
}

/** "vendor google, architecture swiftshader (SwiftShader driver 5.0.0; software: not a GPU)". */
export function describeAdapter(s: AdapterSummary): string {
  const detail = [s.description || s.device, s.software ? 'software: not a GPU' : ''].filter(Boolean).join('; ');
  return `vendor ${s.vendor}, architecture ${s.architecture}${detail ? ` (${detail})` : ''}`;
}

let dawn: Dawn | null = null;

/** The `webgpu` package's native module. Its index.js is ESM, which Node 20's require cannot load: take the
 *  platform's dawn.node beside it directly. */
export function loadDawn(): { ok: true; dawn: Dawn } | { ok: false; reason: string } {
  if (dawn) return { ok: true, dawn };
  let dir: string;
  try {
    dir = path.dirname(require.resolve('webgpu/package.json'));
  } catch {
    return { ok: false, reason: "the optional package 'webgpu' (Dawn) is not installed (npm install webgpu)" };
  }
  const arch = process.platform === 'darwin' ? 'universal' : process.arch;
  const file = path.join(dir, 'dist', `${process.platform}-${arch}`, 'dawn.node');
  try {
    dawn = require(file) as Dawn;
  } catch (err) {
    return { ok: false, reason: `webgpu: ${file} failed to load (${errorText(err)})` };
  }
  // GPUBufferUsage, GPUMapMode, ...: tfjs-webgpu refers to them as globals, as in a browser.
  for (const [k, v] of Object.entries(dawn.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  return { ok: true, dawn };
}

/** Dawn prints Vulkan loader warnings while probing; the result (an adapter or a reason) is what we report. */
async function requestAdapter(d: Dawn): Promise<{ gpu: GpuLike; adapter: GpuAdapterLike | null }> {
  const gpu = d.create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  return { gpu, adapter };
}

/**
 * A WebGPU adapter for training in Node. Hardware first; with `allowSoftware`, SwiftShader when there is no hardware
 * adapter. `auto` callers pass allowSoftware false and are spared loading Dawn when no Vulkan GPU driver is installed.
 */
export async function findNodeAdapter(allowSoftware: boolean): Promise<AdapterLookup> {
  const loader = reachableVulkanLoader();
  if (!loader) {
    return { ok: false, reason: `no Vulkan loader (libvulkan.so.1; Debian: apt-get install libvulkan1${swiftShaderAvailable() ? '; dgm restarts itself with Chromium\'s for --backend webgpu' : ''})` };
  }
  const icdEnv = process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES;
  const gpuIcds = installedIcds().filter((f) => !isSoftwareIcd(f));
  if (!allowSoftware && !icdEnv && gpuIcds.length === 0) return { ok: false, reason: 'no Vulkan GPU driver installed (no GPU manifest in /etc/vulkan/icd.d, /usr/share/vulkan/icd.d)' };
  const l = loadDawn();
  if (!l.ok) return l;
  // With no driver manifest at all, a first probe can only fail (loudly, on stderr): go to SwiftShader directly.
  const first = icdEnv || gpuIcds.length || !allowSoftware ? await requestAdapter(l.dawn) : { gpu: null, adapter: null };
  const firstDriver = icdEnv && path.resolve(icdEnv) === SWIFTSHADER_ICD ? 'swiftshader' : 'system';
  if (first.gpu && first.adapter) {
    const summary = summarize(first.adapter, firstDriver);
    if (!summary.software || allowSoftware) return { ok: true, gpu: first.gpu, adapter: first.adapter, summary };
    return { ok: false, reason: `only a software adapter (${describeAdapter(summary)}), which auto never picks` };
  }
  if (!allowSoftware) return { ok: false, reason: 'Dawn found no WebGPU adapter' };
  if (!selectSwiftShader()) return { ok: false, reason: `no hardware adapter and no software driver (${SWIFTSHADER_ICD} is missing: install chromium)` };
  const second = await requestAdapter(l.dawn);
  if (!second.adapter) return { ok: false, reason: `no hardware adapter, and SwiftShader (${SWIFTSHADER_ICD}) gave none either` };
  return { ok: true, gpu: second.gpu, adapter: second.adapter, summary: summarize(second.adapter, 'swiftshader') };
}

let held: { gpu: GpuLike; device: GpuDeviceLike | null } | null = null;

/**
 * Registers tfjs' 'webgpu' backend on `found`'s adapter (replacing an earlier registration) and makes it current.
 * The limits asked for are the adapter's own, as tfjs-webgpu asks for them in a browser.
 */
export async function startWebgpuBackend(found: Extract<AdapterLookup, { ok: true }>): Promise<void> {
  stopWebgpuBackend();
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: found.gpu, configurable: true, writable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu: found.gpu }, configurable: true, writable: true });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tfwebgpu = require('@tensorflow/tfjs-backend-webgpu') as typeof import('@tensorflow/tfjs-backend-webgpu');
  const { adapter } = found;
  held = { gpu: found.gpu, device: null };
  tf.registerBackend(
    'webgpu',
    async () => {
      const requiredFeatures = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
      const lim = adapter.limits;
      const device = await adapter.requestDevice({
        requiredFeatures,
        requiredLimits: {
          maxComputeWorkgroupStorageSize: lim.maxComputeWorkgroupStorageSize,
          maxComputeWorkgroupsPerDimension: lim.maxComputeWorkgroupsPerDimension,
          maxStorageBufferBindingSize: lim.maxStorageBufferBindingSize,
          maxBufferSize: lim.maxBufferSize,
          maxComputeWorkgroupSizeX: lim.maxComputeWorkgroupSizeX,
          maxComputeInvocationsPerWorkgroup: lim.maxComputeInvocationsPerWorkgroup,
        },
      });
      if (held) held.device = device;
      const backend = new tfwebgpu.WebGPUBackend(device as never, adapter.info as never);
      // Upstream's synchronous read draws into an OffscreenCanvas (browsers only); say what to do instead.
      backend.readSync = () => {
        throw new Error('webgpu backend in Node: synchronous reads (dataSync/arraySync) are not possible; use await tensor.data()');
      };
      return backend;
    },
    0,
  );
  if (!(await tf.setBackend('webgpu'))) throw new Error('the webgpu backend failed to initialise (see the warning above)');
}

/** Removes the backend and drops every reference to Dawn's instance, without which the process cannot exit. */
export function stopWebgpuBackend(): void {
  if (tf.engine().registry['webgpu']) tf.removeBackend('webgpu');
  else if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  if (held) {
    try {
      held.device?.destroy();
    } catch {
      /* already lost */
    }
    held = null;
  }
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator && 'gpu' in g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: undefined, configurable: true, writable: true });
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0] : String(err);
}
