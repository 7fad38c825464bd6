/**
 * tfjs-layers for Node on tfjs-core's CommonJS build. That build registers no chained Tensor methods (`t.flatten()`,
 * `t.sign()`...: they ship only as ES modules, like the gradients, see training/tfjs-gradients.ts), and tfjs-layers'
 * Orthogonal initializer, the default recurrent initializer of SimpleRNN, LSTM and GRU, calls several of them while
 * it builds a layer, before saved weights replace the values: without them no recurrent model loads. Each of
 * upstream's chained-op modules is one line, `prototype.NAME = function (a, b) { return OP(this, a, b); }`; this reads
 * them from tfjs-core's dist/ and defines the missing methods on the same ops, skipping any module of another shape.
 * (The union package @tensorflow/tfjs registers them all; export/README.md says why it is not installed.)
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

const CHAINED = /prototype\.(\w+) = function \(([^)]*)\) \{\s*this\.throwIfDisposed\(\);\s*return (\w+)\(this(?:, ([^)]*))?\);\s*\};/;

export function registerChainedOps(): number {
  const dir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-core/package.json')), 'dist', 'public', 'chained_ops');
  const proto = tf.Tensor.prototype as unknown as Record<string, unknown>;
  const ops = tf as unknown as Record<string, unknown>;
  let added = 0;
  for (const file of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    if (!file.endsWith('.js') || file.includes('register_all')) continue;
    const m = CHAINED.exec(fs.readFileSync(path.join(dir, file), 'utf8'));
    if (!m) continue;
    const [, method, params, op, args] = m;
    const fn = ops[op];
    if (proto[method] !== undefined || typeof fn !== 'function' || params.replace(/\s/g, '') !== (args ?? '').replace(/\s/g, '')) continue;
    proto[method] = function (this: tf.Tensor, ...rest: unknown[]) {
      return (fn as (...a: unknown[]) => tf.Tensor)(this, ...rest);
    };
    added++;
  }
  // flatten is the one the Orthogonal initializer needs whose body is not a plain call (reshape to [size]).
  if (proto.flatten === undefined) {
    proto.flatten = function (this: tf.Tensor) {
      return tf.reshape(this, [this.size]);
    };
    added++;
  }
  return added;
}

registerChainedOps();

export { tfl };
