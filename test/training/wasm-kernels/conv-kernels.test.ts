/**
 * Our wasm convolution gradients against upstream's cpu kernels, over CONV_CASES:
 * - Conv2DBackpropFilter (ours: one XNNPACK convolution), directly and through tf.grads of conv2d;
 * - Conv2DBackpropInput (ours: flipped-filter convolution at stride 1, GEMM + col2im otherwise), directly and as
 *   conv2dTranspose with its gradients.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, shutdownBackend } from '../../../training/backend';
import { conv2DBackpropFilterConfig } from '../../../training/wasm-kernels/conv2d-backprop-filter';
import { conv2DBackpropInputConfig, PHASES_MIN_CHANNELS } from '../../../training/wasm-kernels/conv2d-backprop-input';
import { compareBackends, randomInputs } from './compare';
import { CONV_CASES, outShape } from './conv-cases';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', threads: 2, quiet: true });
});
afterAll(() => shutdownBackend());

test('the wasm backend dispatches both conv gradients to our kernels', () => {
  expect(tf.getKernel(tf.Conv2DBackpropFilter, 'wasm')?.kernelFunc).toBe(conv2DBackpropFilterConfig.kernelFunc);
  expect(tf.getKernel(tf.Conv2DBackpropInput, 'wasm')?.kernelFunc).toBe(conv2DBackpropInputConfig.kernelFunc);
});

test('the cases reach both Conv2DBackpropInput paths (phases, GEMM) at stride 1 and at larger strides', () => {
  const paths = new Set(CONV_CASES.map((c) => `${c.cin >= PHASES_MIN_CHANNELS ? 'phases' : 'gemm'} ${c.stride[0] * c.stride[1] > 1 ? 'strided' : 'stride 1'}`));
  expect([...paths].sort()).toEqual(['gemm stride 1', 'gemm strided', 'phases stride 1', 'phases strided']);
});

describe.each(CONV_CASES.map((c, i) => [c.name, c, i] as const))('%s', (_name, c, i) => {
  test('Conv2DBackpropFilter matches cpu', async () => {
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

  test('Conv2DBackpropInput matches cpu', async () => {
    const inputs = randomInputs(300 + i, { dy: outShape(c), filter: [c.kh, c.kw, c.cin, c.cout] });
    const [err] = await compareBackends(inputs, ({ dy, filter }) =>
      tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter }, {
        strides: c.stride, pad: c.pad, dataFormat: 'NHWC', inputShape: [c.n, c.h, c.w, c.cin],
      }) as tf.Tensor);
    expect(err).toBeLessThan(1e-4);
  });
});

// conv2dTranspose takes only 'same' / 'valid' / a number as padding.
describe.each(CONV_CASES.map((c, i) => [c.name, c, i] as const).filter(([, c]) => !Array.isArray(c.pad)))('%s', (_name, c, i) => {
  test('conv2dTranspose and its gradients match cpu', async () => {
    const inputs = randomInputs(400 + i, { y: outShape(c), w: [c.kh, c.kw, c.cin, c.cout], r: [c.n, c.h, c.w, c.cin] });
    const errs = await compareBackends(inputs, ({ y, w, r }) => {
      const f = (yy: tf.Tensor, ww: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2dTranspose(yy as tf.Tensor4D, ww as tf.Tensor4D, [c.n, c.h, c.w, c.cin], c.stride, c.pad as 'same' | 'valid'), r));
      return [f(y, w), ...tf.grads(f)([y, w])];
    });
    for (const e of errs) expect(e).toBeLessThan(1e-4);
  });
});
