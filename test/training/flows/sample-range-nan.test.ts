/**
 * The sample range clips finite values and leaves NaN as NaN on every training backend, as ONNX Clip does: a
 * diverged sample must stay visibly diverged in tfjs too, or the export's tfjs-vs-ONNX check of which rows
 * diverged compares different things (the wasm backend's clipByValue alone maps NaN to a bound).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../../../runtime/core/random';
import { initBackend, shutdownBackend } from '../../../training/backend';
import { initParams } from '../../../training/nets/layers';
import { madeDefinition, madeForward } from '../../../training/nets/made';

afterAll(shutdownBackend);

test.each(['cpu', 'wasm'] as const)('%s: huge values are clipped to the range, NaN stays NaN', async (backend) => {
  await initBackend({ backend, threads: 1, quiet: true });
  const made = madeDefinition({ inputSize: 3, hiddenSize: 6, nHidden: 1 }, 'm');
  const params = initParams(made.stack, new Random(1));
  try {
    // Degree order is 0, 1, 2: dimension 0 overflows the range, dimension 1 is NaN, dimension 2 conditions on it.
    const z = tf.tensor2d([1e30, NaN, 0.1, -1e30, 0.2, 0.3], [2, 3]);
    const x = madeForward(made, params, z, [-2, 2]).x.arraySync();
    expect(x[0][0]).toBe(2);
    expect(x[0][1]).toBeNaN();
    expect(x[0][2]).toBeNaN();
    expect(x[1][0]).toBe(-2);
    expect(x[1].every((v) => v >= -2 && v <= 2)).toBe(true);
  } finally {
    params.forEach((v) => v.dispose());
  }
});
