/**
 * tfjs-layers, taken from the union package @tensorflow/tfjs. In Node the union matters: tfjs-core's own CommonJS
 * build registers no chained tensor methods (`t.flatten()`, `t.sign()`...: they ship only as ES modules), and
 * tfjs-layers' Orthogonal initializer, the default recurrent initializer of SimpleRNN, LSTM and GRU, calls several of
 * them while it builds a layer, before saved weights replace the values: without them no recurrent model loads. The
 * union's CommonJS entry registers them (and tfjs-core's gradients) on the one tfjs-core instance the project uses.
 */
import * as tfl from '@tensorflow/tfjs';

export { tfl };
