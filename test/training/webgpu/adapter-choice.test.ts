/** The pure parts of choosing a WebGPU adapter and the Vulkan environment (no Dawn, no GPU needed). */
import { argvAsksForWebgpu, isSoftwareIcd, reachableVulkanLoader, REEXEC_MARK, reexecEnv, swiftShaderAvailable, webgpuForOrt } from '../../../runtime/vulkan-env';
import { describeAdapter, isSoftwareAdapter, summarize } from '../../../training/webgpu';

test('software adapters: fallback flag or a software rasteriser by name; GPUs are not', () => {
  expect(isSoftwareAdapter({ vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader driver 5.0.0' }, true)).toBe(true);
  expect(isSoftwareAdapter({ vendor: 'google', architecture: 'swiftshader' }, false)).toBe(true);
  expect(isSoftwareAdapter({ vendor: 'mesa', architecture: '', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' }, false)).toBe(true);
  expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200' }, false)).toBe(false);
  expect(isSoftwareAdapter({ vendor: 'amd', architecture: 'rdna-3' }, true)).toBe(true);
  const s = summarize({ info: { vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200', isFallbackAdapter: false }, features: new Set(), limits: {}, requestDevice: async () => ({ destroy() {} }) }, 'system');
  expect(s).toMatchObject({ software: false, fallback: false });
  expect(describeAdapter(s)).toBe('vendor nvidia, architecture hopper (NVIDIA H200)');
});

test('which commands ask for webgpu, and the restart environment', () => {
  expect(argvAsksForWebgpu(['train', 'maf-moons', '--backend', 'webgpu'])).toBe(true);
  expect(argvAsksForWebgpu(['sample', 'gan', '--provider=webgpu'])).toBe(true);
  expect(argvAsksForWebgpu(['gpu-check'])).toBe(true);
  expect(argvAsksForWebgpu(['train', 'maf-moons', '--backend', 'auto'])).toBe(false);
  expect(reexecEnv({ [REEXEC_MARK]: '1' })).toBeNull();
  const env = reexecEnv({ LD_LIBRARY_PATH: '/opt/x' });
  // Without a system loader and with Chromium's, the restart puts Chromium's first; with a system loader (or
  // without Chromium) there is nothing to restart for.
  if (!reachableVulkanLoader({ LD_LIBRARY_PATH: '/opt/x' }) && swiftShaderAvailable()) expect(env).toMatchObject({ LD_LIBRARY_PATH: '/usr/lib/chromium:/opt/x', [REEXEC_MARK]: '1' });
  else expect(env).toBeNull();
  // A loader on LD_LIBRARY_PATH already (the restarted process) needs no restart.
  if (swiftShaderAvailable()) expect(reexecEnv({ LD_LIBRARY_PATH: '/usr/lib/chromium' })).toBeNull();
  expect(isSoftwareIcd('/usr/share/vulkan/icd.d/lvp_icd.x86_64.json')).toBe(true);
  expect(isSoftwareIcd('/usr/share/vulkan/icd.d/nvidia_icd.json')).toBe(false);
});

test('onnxruntime webgpu: auto never takes a software driver; forcing it may', () => {
  const soft = { LD_LIBRARY_PATH: '/usr/lib/chromium', VK_ICD_FILENAMES: '/usr/lib/chromium/vk_swiftshader_icd.json' };
  if (!swiftShaderAvailable()) return;
  expect(webgpuForOrt(false, { ...soft })).toEqual({ ok: false, reason: expect.stringContaining('only software drivers') });
  expect(webgpuForOrt(true, { ...soft })).toEqual({ ok: true, adapter: expect.stringContaining('software, not a GPU') });
});
