/**
 * Gradients for tfjs-core: upstream's own gradient functions (which tfjs-core's CommonJS build, the one Node loads,
 * does not register), zero gradients for the comparison kernels, which upstream leaves without one, and a cheaper
 * form of leakyRelu's.
 */
import * as tf from '@tensorflow/tfjs-core';

let gradientsLoaded: Promise<void> | null = null;

/**
 * Registers tfjs's gradient functions (tf.grad / tf.grads / optimizers need them), then ours below. Idempotent.
 *
 * Upstream's gradients ship in tfjs-core only as an ES-module tree (dist/register_all_gradients.js) that Node cannot
 * load; the union package @tensorflow/tfjs bundles them into its CommonJS entry, which registers them (and the chained
 * tensor methods) with the one tfjs-core instance the project imports: tfjs keeps its engine and its kernel and
 * gradient registries on the global object, and the union requires this same @tensorflow/tfjs-core.
 */
export function loadGradients(): Promise<void> {
  gradientsLoaded ??= Promise.resolve().then(() => {
    if (!tf.getGradient(tf.Sum)) {
      require('@tensorflow/tfjs');
      if (!tf.getGradient(tf.Sum)) throw new Error('loading @tensorflow/tfjs registered no gradients with @tensorflow/tfjs-core (are two versions of tfjs-core installed? `npm ls @tensorflow/tfjs-core`)');
    }
    registerComparisonGradients();
    registerLeakyReluGradient();
  });
  return gradientsLoaded;
}

/**
 * Comparisons are piecewise constant in their inputs, so their gradient is zero (PyTorch treats them the same way).
 * Upstream registers none, which breaks second-order gradients: the gradient of leakyRelu is where(x > 0, dy,
 * alpha * dy), so differentiating it again (the WGAN-GP penalty's gradient with respect to the critic's weights)
 * reaches a Greater node and tfjs stops with "gradient function not found for Greater". Registered only where
 * upstream has none.
 */
const COMPARISONS = [tf.Greater, tf.GreaterEqual, tf.Less, tf.LessEqual, tf.Equal, tf.NotEqual];

function registerComparisonGradients(): void {
  for (const kernelName of COMPARISONS) {
    if (tf.getGradient(kernelName)) continue;
    tf.registerGradient({
      kernelName,
      inputsToSave: ['a', 'b'],
      gradFunc: (_dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [a, b] = saved;
        return { a: () => tf.zerosLike(a), b: () => tf.zerosLike(b) };
      },
    });
  }
}

/**
 * d leakyRelu(x)/dx as dy * step(x, alpha) (step: 1 for x > 0, alpha otherwise) instead of upstream's
 * where(x > 0, dy, alpha * dy): the same values for every non-NaN x, two cheap kernels instead of Greater + Select
 * + Multiply (Greater and Select are scalar loops on wasm), and a graph whose own gradient (WGAN-GP's second order)
 * needs no comparison at all.
 */
function registerLeakyReluGradient(): void {
  tf.registerGradient({
    kernelName: tf.LeakyRelu,
    inputsToSave: ['x'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
      const [x] = saved;
      const { alpha } = attrs as unknown as tf.LeakyReluAttrs;
      return { x: () => tf.mul(dy as tf.Tensor, tf.step(x, alpha)) };
    },
  });
}
