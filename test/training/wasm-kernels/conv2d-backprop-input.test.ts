/** Conv2DBackpropInput on wasm (ours: flipped-filter convolution at stride 1, GEMM + col2im otherwise) against
 *  upstream's cpu kernel, directly and as conv2dTranspose. */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, shutdownBackend } from '../../../training/backend';
import { conv2DBackpropInputConfig } from '../../../training/wasm-kernels/conv2d-backprop-input';
import { compareBackends, randomInputs } from './compare';
import { CONV_CASES, outShape } from './conv-cases';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', threads: 2, quiet: true });
});
afterAll(() => shutdownBackend());

test('the wasm backend dispatches Conv2DBackpropInput to our kernel', () => {
  expect(tf.getKernel(tf.Conv2DBackpropInput, 'wasm')?.kernelFunc).toBe(conv2DBackpropInputConfig.kernelFunc);
});

describe.each(CONV_CASES.map((c, i) => [c.name, c, i] as const))('%s', (_name, c, i) => {
  test('the kernel matches cpu', async () => {
    const inputs = randomInputs(300 + i, { dy: outShape(c), filter: [c.kh, c.kw, c.cin, c.cout] });
    const [err] = await compareBackends(inputs, ({ dy, filter }) =>
      tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter }, {
        strides: c.stride, pad: c.pad, dataFormat: 'NHWC', inputShape: [c.n, c.h, c.w, c.cin],
      }) as tf.Tensor);
    expect(err).toBeLessThan(1e-4);
  });

  test('conv2dTranspose and its gradients match cpu', async () => {
    if (Array.isArray(c.pad)) return; // conv2dTranspose takes only 'same' / 'valid' / a number
    const inputs = randomInputs(400 + i, { y: outShape(c), w: [c.kh, c.kw, c.cin, c.cout], r: [c.n, c.h, c.w, c.cin] });
    const errs = await compareBackends(inputs, ({ y, w, r }) => {
      const f = (yy: tf.Tensor, ww: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2dTranspose(yy as tf.Tensor4D, ww as tf.Tensor4D, [c.n, c.h, c.w, c.cin], c.stride, c.pad as 'same' | 'valid'), r));
      return [f(y, w), ...tf.grads(f)([y, w])];
    });
    for (const e of errs) expect(e).toBeLessThan(1e-4);
  });
});
