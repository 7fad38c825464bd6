/**
 * Child process of webgpu.test.ts: our webgpu kernels against the cpu backend (relative errors of outputs and
 * input gradients, as test/training/wasm-kernels/compare.ts measures them for wasm). Prints JSON on stdout.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, shutdownBackend } from '../../../training/backend';
import { Random } from '../../../runtime/core/random';
import { WEBGPU_KERNELS } from '../../../training/webgpu-kernels';

type F = (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;
const CASES: [string, number[], number[], F][] = [
  ['[2,3136] x [512,3136]^T (split-K, B transposed)', [2, 3136], [512, 3136], (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, false, true)],
  ['[2,512] x [512,3136] (its gradients include dY B^T)', [2, 512], [512, 3136], (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D)],
  ['[2048,3]^T x [16,2048]^T (both transposed)', [2048, 3], [16, 2048], (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, true, true)],
  ['[4,64] x [32,64]^T (small: upstream path)', [4, 64], [32, 64], (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, false, true)],
];

async function evaluate(backend: string, sa: number[], sb: number[], f: F): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const r = new Random(11);
  const a = tf.tensor(r.fillNormal(new Float32Array(sa[0] * sa[1])), sa);
  const b = tf.tensor(r.fillNormal(new Float32Array(sb[0] * sb[1])), sb);
  const y = f(a, b);
  const dy = tf.tensor(new Random(12).fillNormal(new Float32Array(y.size)), y.shape);
  const [ga, gb] = tf.grads((x: tf.Tensor, w: tf.Tensor) => tf.sum(tf.mul(f(x, w), dy)))([a, b]);
  const out = [(await y.data()) as Float32Array, (await ga.data()) as Float32Array, (await gb.data()) as Float32Array];
  tf.dispose([a, b, y, dy, ga, gb]);
  return out;
}

function rel(a: Float32Array, b: Float32Array): number {
  let d = 0, s = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return Number.isFinite(d) ? d / s : Infinity;
}

async function main(): Promise<void> {
  await initBackend({ backend: 'webgpu', quiet: true });
  const registered = WEBGPU_KERNELS.every((k) => tf.getKernel(k.kernelName, 'webgpu')?.kernelFunc === k.kernelFunc);
  const rows: unknown[] = [];
  for (const [name, sa, sb, f] of CASES) {
    const g = await evaluate('webgpu', sa, sb, f);
    const c = await evaluate('cpu', sa, sb, f);
    rows.push({ name, output: rel(g[0], c[0]), gradA: rel(g[1], c[1]), gradB: rel(g[2], c[2]) });
  }
  await shutdownBackend();
  // stdout is a pipe, written asynchronously: exit only once it is flushed.
  await new Promise<void>((resolve) => process.stdout.write(JSON.stringify({ registered, rows }) + '\n', () => resolve()));
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
