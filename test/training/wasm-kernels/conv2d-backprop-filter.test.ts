/** Conv2DBackpropFilter on wasm (ours: one XNNPACK convolution) against upstream's cpu kernel. */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, shutdownBackend } from '../../../training/backend';
import { conv2DBackpropFilterConfig } from '../../../training/wasm-kernels/conv2d-backprop-filter';
import { compareBackends, randomInputs } from './compare';
import { CONV_CASES, outShape } from './conv-cases';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', threads: 2, quiet: true });
});
afterAll(() => shutdownBackend());

test('the wasm backend dispatches Conv2DBackpropFilter to our kernel', () => {
  expect(tf.getKernel(tf.Conv2DBackpropFilter, 'wasm')?.kernelFunc).toBe(conv2DBackpropFilterConfig.kernelFunc);
});

describe.each(CONV_CASES.map((c, i) => [c.name, c, i] as const))('%s', (_name, c, i) => {
  test('the kernel matches cpu', async () => {
    const inputs = randomInputs(100 + i, { x: [c.n, c.h, c.w, c.cin], dy: outShape(c) });
    const [err] = await compareBackends(inputs, ({ x, dy }) =>
      tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, {
        strides: c.stride, pad: c.pad, dataFormat: 'NHWC', filterShape: [c.kh, c.kw, c.cin, c.cout],
      }) as tf.Tensor);
    expect(err).toBeLessThan(1e-4);
  });

  test('tf.grads of conv2d (filter and input gradients) match cpu', async () => {
    const inputs = randomInputs(200 + i, { x: [c.n, c.h, c.w, c.cin], w: [c.kh, c.kw, c.cin, c.cout], r: outShape(c) });
    const errs = await compareBackends(inputs, ({ x, w, r }) => {
      const f = (xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, c.stride, c.pad), r));
      return tf.grads(f)([x, w]);
    });
    for (const e of errs) expect(e).toBeLessThan(1e-4);
  });
});
