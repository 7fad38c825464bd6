/**
 * Gradients for tfjs-core: upstream's own gradient functions (which the CommonJS build Node loads does not include),
 * zero gradients for the comparison kernels, which upstream leaves without one, and a cheaper form of leakyRelu's.
 */
import { register } from 'module';
import * as url from 'url';
import * as tf from '@tensorflow/tfjs-core';
import { registerTfjsGradients } from './tfjs-gradients';

let gradientsLoaded: Promise<void> | null = null;

/**
 * Registers tfjs's gradient functions (tf.grad / tf.grads / optimizers need them), then ours below. Idempotent.
 *
 * The CommonJS build of tfjs-core that Node loads ships no gradients: upstream's `dist/register_all_gradients.js` is
 * an ES-module tree whose imports omit the `.js` extension. tfjs-gradients.ts translates that tree to CommonJS once
 * (with @swc/core, a dev dependency) into node_modules/.cache and requires it (~0.9 s; the same under jest). Where
 * @swc/core is missing (an install without dev dependencies) we import the ES modules themselves instead, through a
 * resolve hook that appends the extension for files inside tfjs-core's dist/ only (~2-3 s: about 900 modules; not
 * available under jest, which always has @swc/core). Either way the second copy of tfjs-core's internals shares the
 * engine and the kernel and gradient registries with the first: tfjs keeps them on a global object for this case.
 */
export function loadGradients(): Promise<void> {
  gradientsLoaded ??= (tf.getGradient(tf.Sum) ? Promise.resolve() : importGradients()).then(() => {
    registerComparisonGradients();
    registerLeakyReluGradient();
  });
  return gradientsLoaded;
}

async function importGradients(): Promise<void> {
  try {
    registerTfjsGradients();
    return;
  } catch (err) {
    if (process.env.JEST_WORKER_ID !== undefined) throw err;
  }
  const entry = require.resolve('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  const hook = `import { existsSync } from 'node:fs';
export async function resolve(spec, context, next) {
  const parent = context.parentURL;
  if (parent && parent.includes('/@tensorflow/tfjs-core/dist/') && /^\\.\\.?\\//.test(spec) && !spec.endsWith('.js')) {
    const file = new URL(spec + '.js', parent);
    return { url: existsSync(file) ? file.href : new URL(spec + '/index.js', parent).href, format: 'module', shortCircuit: true };
  }
  return next(spec, context);
}`;
  register('data:text/javascript,' + encodeURIComponent(hook));
  // A real dynamic import: TypeScript would turn `import()` into `require()` under CommonJS.
  const dynamicImport = new Function('url', 'return import(url)') as (url: string) => Promise<unknown>;
  await dynamicImport(url.pathToFileURL(entry).href);
  if (!tf.getGradient(tf.Sum)) throw new Error(`loading ${entry} registered no gradients`);
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
