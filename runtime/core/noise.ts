/**
 * The latent noise every sampler feeds its model. It is drawn here, from the project's own generator, rather than
 * inside the ONNX graph, so the same seed gives the same images on every runtime (Node, the browser, tfjs).
 */
import { Random } from './random.js';

/** z: [n, dim], standard normal, drawn in row-major order (sample i, then dim j) from `new Random(seed)`. */
export function latentNoise(seed: number, n: number, dim: number): Float32Array {
  return new Random(seed).fillNormal(new Float32Array(n * dim));
}
