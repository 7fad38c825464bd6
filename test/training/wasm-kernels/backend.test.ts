/** training/backend.ts: choice, status line, thread count, errors, and that shutdownBackend lets a process exit. */
import { spawn } from 'child_process';
import * as path from 'path';
import * as tfwasm from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { backendInfo, initBackend, parseBackendChoice, shutdownBackend } from '../../../training/backend';

const ROOT = path.resolve(__dirname, '../../..');

function tfjsNodeInstalled(): boolean {
  for (const p of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      require.resolve(p);
      return true;
    } catch {
      // not installed
    }
  }
  return false;
}

async function lineOf(f: () => Promise<unknown>): Promise<string[]> {
  const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    await f();
    return spy.mock.calls.map((c) => c.join(' '));
  } finally {
    spy.mockRestore();
  }
}

afterAll(() => shutdownBackend());

test('wasm with 2 threads: the threaded build runs 2 XNNPACK threads and says so in one line', async () => {
  let name = '';
  const lines = await lineOf(async () => (name = await initBackend({ backend: 'wasm', threads: 2 })));
  expect(name).toBe('wasm');
  expect(tf.getBackend()).toBe('wasm');
  expect(lines).toEqual(['backend: wasm (2 threads, SIMD); chosen by --backend wasm']);
  expect(tfwasm.getThreadsCount()).toBe(2);
  expect(backendInfo()).toMatchObject({ name: 'wasm', threads: 2, simd: true });
  expect(Array.from(tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([5, 6, 7, 8], [2, 2])).dataSync())).toEqual([19, 22, 43, 50]);
});

test('switching to 1 thread restarts wasm on the single-threaded build', async () => {
  const lines = await lineOf(() => initBackend({ backend: 'wasm', threads: 1 }));
  expect(lines).toEqual(['backend: wasm (1 thread, SIMD); chosen by --backend wasm']);
  expect(tfwasm.getThreadsCount()).toBe(1);
});

test('auto picks tensorflow when tfjs-node is installed, else webgpu on a hardware adapter, else wasm, and gives the reason', async () => {
  const lines = await lineOf(() => initBackend({ backend: 'auto', threads: 2 }));
  expect(lines).toHaveLength(1);
  if (tfjsNodeInstalled()) expect(lines[0]).toMatch(/^backend: tensorflow \(@tensorflow\/tfjs-node(-gpu)?\)/);
  // webgpu only on a hardware adapter; otherwise the line says why not (here: no Vulkan loader or GPU driver).
  else expect(lines[0]).toMatch(/^backend: (wasm \(2 threads, SIMD\); tfjs-node not installed; webgpu: .+|webgpu \(vendor .+\); tfjs-node not installed; hardware WebGPU adapter found)$/);
});

test('cpu, and quiet prints nothing', async () => {
  expect(await lineOf(() => initBackend({ backend: 'cpu', quiet: true }))).toEqual([]);
  expect(tf.getBackend()).toBe('cpu');
  expect((await lineOf(() => initBackend({ backend: 'cpu' })))[0]).toMatch(/^backend: cpu; chosen by --backend cpu/);
});

test('bad choices fail with a message naming the input', async () => {
  if (!tfjsNodeInstalled()) await expect(initBackend({ backend: 'tensorflow', quiet: true })).rejects.toThrow(/--backend tensorflow: tfjs-node not installed; install it with `make install-gpu`/);
  for (const threads of [0, 9, 1.5]) await expect(initBackend({ backend: 'wasm', threads, quiet: true })).rejects.toThrow(`threads: expected an integer from 1 to 8, got ${threads}`);
  expect(() => parseBackendChoice('gpu')).toThrow("--backend: expected one of auto, tensorflow, webgpu, wasm, cpu, got 'gpu'");
  expect(parseBackendChoice('wasm')).toBe('wasm');
});

/** A child Node process (TypeScript through @swc/core) that starts wasm with 2 threads and runs one matMul. */
function child(shutdown: boolean, env: NodeJS.ProcessEnv = process.env, quiet = true) {
  const code = `
    const fs = require('fs');
    require.extensions['.ts'] = (m, f) => m._compile(require('@swc/core').transformSync(fs.readFileSync(f, 'utf8'),
      { filename: f, jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }).code, f);
    const tf = require('@tensorflow/tfjs-core');
    const b = require(${JSON.stringify(path.join(ROOT, 'training/backend.ts'))});
    (async () => {
      await b.initBackend({ backend: 'wasm', threads: 2, quiet: ${quiet} });
      console.log('ready', require('@tensorflow/tfjs-backend-wasm').getThreadsCount(), tf.sum(tf.ones([64, 64])).dataSync()[0]);
      ${shutdown ? 'await b.shutdownBackend();' : ''}
    })();`;
  return spawn(process.execPath, ['-e', code], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

test('the worker pool keeps a process alive until shutdownBackend, which lets it exit by itself', async () => {
  const withShutdown = child(true);
  let out = '';
  withShutdown.stdout.on('data', (d) => (out += d));
  const code = await new Promise<number | null>((resolve) => withShutdown.on('exit', resolve));
  expect(out.trim()).toBe('ready 2 4096');
  expect(code).toBe(0);

  // Without shutdownBackend the same process is still running well after its work is done.
  const without = child(false);
  let out2 = '';
  without.stdout.on('data', (d) => (out2 += d));
  await new Promise<void>((resolve) => without.stdout.on('data', () => resolve()));
  await new Promise((r) => setTimeout(r, 3000));
  expect(out2.trim()).toBe('ready 2 4096');
  expect(without.exitCode).toBeNull();
  without.kill();
  await new Promise((resolve) => without.on('exit', resolve));
});

test('when the threaded build cannot start (no writable temp folder for its worker scripts) it says why and runs on 1 thread', async () => {
  const p = child(true, { ...process.env, TMPDIR: path.join(ROOT, 'no-such-dir-for-dgm-test') }, false);
  let out = '';
  let err = '';
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (err += d));
  const code = await new Promise<number | null>((resolve) => p.on('exit', resolve));
  expect(code).toBe(0);
  expect(out.trim()).toBe('ready 1 4096');
  expect(err).toMatch(/^backend: wasm \(1 thread, SIMD\); chosen by --backend wasm; threaded build failed \(ENOENT[^\n]*\), using 1 thread$/m);
});
