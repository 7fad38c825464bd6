/** Shared by the export tests: tfjs on the cpu backend as the independent reference, random weights and inputs. */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Random } from '../../runtime/core/random';
import { Params } from '../../training/nets/layers';
import { checkerUnavailable, checkOnnxFiles } from '../../export/onnx-checker';

export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

export function randn(rng: Random, n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  rng.fillNormal(a);
  if (scale !== 1) for (let i = 0; i < n; i++) a[i] *= scale;
  return a;
}

/** Batch-norm statistics that are not the identity (init gives mean 0 / var 1 / gamma 1 / beta 0). */
export function randomiseBatchNorms(params: Params, rng: Random): void {
  for (const [name, v] of params) {
    const n = v.size;
    let data: Float32Array | undefined;
    if (name.endsWith('.runningMean') || name.endsWith('.beta')) data = randn(rng, n, 0.5);
    else if (name.endsWith('.runningVar')) data = Float32Array.from({ length: n }, () => 0.2 + 2 * rng.uniform());
    else if (name.endsWith('.gamma')) data = Float32Array.from({ length: n }, () => 0.5 + rng.uniform());
    if (data) v.assign(tf.tensor(data, v.shape));
  }
}

export function tmpDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `dgm-export-${tag}-`));
}

/** NHWC [N, H, W, C] data -> NCHW [N, C, H, W]. */
export function nhwcToNchw(x: Float32Array, n: number, h: number, w: number, c: number): Float32Array {
  const y = new Float32Array(x.length);
  for (let i = 0; i < n; i++)
    for (let hi = 0; hi < h; hi++) for (let wi = 0; wi < w; wi++) for (let ci = 0; ci < c; ci++) y[((i * c + ci) * h + hi) * w + wi] = x[((i * h + hi) * w + wi) * c + ci];
  return y;
}

/**
 * Runs the reference checker on model files. When python3-onnx is absent it prints why and returns false so the
 * caller can skip visibly; on CI .ci/apt-deps.sh installs it.
 */
export function runChecker(files: string[]): { ok: boolean; results: ReturnType<typeof checkOnnxFiles> } {
  const why = checkerUnavailable();
  if (why) {
    console.warn(`SKIPPED onnx checker: ${why}`);
    return { ok: false, results: [] };
  }
  return { ok: true, results: checkOnnxFiles(files) };
}
