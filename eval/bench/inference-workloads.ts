/**
 * What `dgm bench speed` times for inference: an InferenceWorkload is one network, built by its family (families/*:
 * generator and MAF workloads in families/gan/gan-inference.ts and families/maf/maf-inference.ts, RealNVP's in
 * families/realnvp/bench.ts) from the project's own definition with seeded random weights (speed does not depend on
 * the values), lowered to ONNX by the exporter exactly as `dgm export` does, and also kept as tfjs parameters so the
 * same network runs on tfjs. Inputs are drawn once per batch size, outside the timed calls.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type * as ort from 'onnxruntime-node';
import { Random } from '../../runtime/core/random';
import type { Params } from '../../training/nets/layers';

export interface InferenceWorkload {
  key: string;
  title: string;
  /** What one output row is. */
  unit: 'images' | 'rows';
  onnx: Uint8Array;
  /** ONNX feeds for a batch (drawn once, reused by every timed call). */
  feeds(batch: number): Record<string, ort.Tensor>;
  /** One tfjs call on a batch, reading the result back (so the time includes the work, not just its dispatch). */
  tfjs(batch: number): () => void;
  dispose(): void;
}

export function disposeParams(p: Params): void {
  for (const v of p.values()) v.dispose();
}

export function normal(rng: Random, n: number): Float32Array {
  return rng.fillNormal(new Float32Array(n));
}

/** Reads a result back (so a timed tfjs call includes the work, not just its dispatch) and frees it. */
export function readBack(t: tf.Tensor): void {
  t.dataSync();
  t.dispose();
}
