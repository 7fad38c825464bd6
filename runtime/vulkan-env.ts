/**
 * Where Dawn (the `webgpu` package for tfjs training, and the WebGPU provider inside onnxruntime-node) finds Vulkan.
 *
 * Dawn opens `libvulkan.so.1` through the dynamic linker, and the linker reads LD_LIBRARY_PATH only when a process
 * starts: a process that lacks a system Vulkan loader must be started again with Chromium's folder on
 * LD_LIBRARY_PATH (bin/dgm.js does this for commands that ask for webgpu). The loader itself reads
 * VK_ICD_FILENAMES each time an instance is created, so the software driver (Chromium's SwiftShader) can be chosen
 * later, in-process, and only after no hardware adapter was found.
 *
 * No tfjs and no onnxruntime here: plain file checks, shared by training/ and runtime/.
 */
import * as fs from 'fs';
import * as path from 'path';

/** Debian Chromium's copy of the Khronos loader and its SwiftShader Vulkan driver. */
export const CHROMIUM_LIB_DIR = '/usr/lib/chromium';
export const SWIFTSHADER_ICD = path.join(CHROMIUM_LIB_DIR, 'vk_swiftshader_icd.json');
const LOADER = 'libvulkan.so.1';
/** Set on the restarted process so it never restarts again. */
export const REEXEC_MARK = 'DGM_VULKAN_REEXEC';

const SYSTEM_LIB_DIRS = ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/lib64', '/usr/lib64', '/lib', '/usr/lib', '/usr/local/lib'];
/** The loader's standard manifest folders (Linux). */
export const ICD_DIRS = ['/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d', '/usr/share/vulkan/icd.d'];

/** The Vulkan loader the dynamic linker would give this process, or null: LD_LIBRARY_PATH first, then the system. */
export function reachableVulkanLoader(env: NodeJS.ProcessEnv = process.env): string | null {
  const dirs = [...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), ...SYSTEM_LIB_DIRS];
  for (const d of dirs) {
    const f = path.join(d, LOADER);
    if (fs.existsSync(f)) return f;
  }
  return null;
}

/** Vulkan driver manifests installed system-wide (GPU drivers, lavapipe), by file name. */
export function installedIcds(): string[] {
  const out: string[] = [];
  for (const d of ICD_DIRS) {
    let names: string[];
    try {
      names = fs.readdirSync(d);
    } catch {
      continue;
    }
    for (const n of names) if (n.endsWith('.json')) out.push(path.join(d, n));
  }
  return out;
}

/** Manifests of software rasterisers (Mesa's lavapipe, SwiftShader), which are never a GPU. */
export function isSoftwareIcd(file: string): boolean {
  return /lvp|lavapipe|llvmpipe|swiftshader/i.test(path.basename(file));
}

export function swiftShaderAvailable(): boolean {
  return fs.existsSync(SWIFTSHADER_ICD) && fs.existsSync(path.join(CHROMIUM_LIB_DIR, LOADER));
}

/**
 * The environment a restarted process needs so Dawn can load a Vulkan loader, or null when none is needed (a loader
 * is reachable already, the process was restarted once, or Chromium's loader is not there either).
 */
export function reexecEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv | null {
  if (env[REEXEC_MARK] || reachableVulkanLoader(env) || !swiftShaderAvailable()) return null;
  const ld = [CHROMIUM_LIB_DIR, ...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean)].join(':');
  return { ...env, LD_LIBRARY_PATH: ld, [REEXEC_MARK]: '1' };
}

/** Whether command-line arguments ask for WebGPU: `--backend webgpu` (training), `--provider webgpu` (runtime) or
 *  `gpu-check`. */
export function argvAsksForWebgpu(argv: readonly string[]): boolean {
  if (argv[0] === 'gpu-check') return true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if ((a === '--backend' || a === '--provider') && argv[i + 1] === 'webgpu') return true;
    if (a === '--backend=webgpu' || a === '--provider=webgpu') return true;
  }
  return false;
}

/** Points the Vulkan loader of this process at SwiftShader for instances created from now on; says whether it could. */
export function selectSwiftShader(env: NodeJS.ProcessEnv = process.env): boolean {
  if (!fs.existsSync(SWIFTSHADER_ICD)) return false;
  env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  return true;
}

/**
 * Whether onnxruntime-node's WebGPU provider (its own Dawn, which cannot be asked about its adapter before a session
 * exists) has a Vulkan adapter of the kind wanted: a hardware driver manifest for `auto`; with `allowSoftware`, SwiftShader
 * where there is none (selected for this process). Plain file checks: no Dawn is loaded here.
 */
export function webgpuForOrt(allowSoftware: boolean, env: NodeJS.ProcessEnv = process.env): { ok: true; adapter: string } | { ok: false; reason: string } {
  // (No parentheses in these reasons: they end up inside the CLI's one-line report's own.)
  if (!reachableVulkanLoader(env)) return { ok: false, reason: 'no Vulkan loader libvulkan.so.1' };
  const chosen = env.VK_ICD_FILENAMES || env.VK_DRIVER_FILES;
  const gpus = installedIcds().filter((f) => !isSoftwareIcd(f));
  if (chosen) {
    const software = chosen.split(':').every((f) => isSoftwareIcd(f));
    if (software && !allowSoftware) return { ok: false, reason: `VK_ICD_FILENAMES names only software drivers: ${chosen}` };
    return { ok: true, adapter: `Vulkan drivers from VK_ICD_FILENAMES (${chosen})${software ? ': software, not a GPU' : ''}` };
  }
  if (gpus.length) return { ok: true, adapter: `Vulkan GPU driver ${gpus.map((f) => path.basename(f)).join(', ')}` };
  if (!allowSoftware) return { ok: false, reason: 'no Vulkan GPU driver installed' };
  if (!selectSwiftShader(env)) return { ok: false, reason: `no Vulkan GPU driver and no SwiftShader at ${SWIFTSHADER_ICD}` };
  return { ok: true, adapter: "no GPU driver: Chromium's SwiftShader (software, not a GPU)" };
}
