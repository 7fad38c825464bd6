/**
 * Reading tensor values back to JavaScript. Training code reads asynchronously: tfjs' webgpu backend has no
 * synchronous read in Node (upstream's goes through a browser-only OffscreenCanvas), and on the other backends
 * `await t.data()` gives the same values as dataSync.
 */
import * as tf from '@tensorflow/tfjs-core';

/** The float32 values of `t` (a copy the caller owns); `t` is disposed. */
export async function readAndDispose(t: tf.Tensor): Promise<Float32Array> {
  try {
    return Float32Array.from((await t.data()) as Float32Array);
  } finally {
    t.dispose();
  }
}
