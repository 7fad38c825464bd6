/**
 * Jest's node environment gives each test file its own typed-array constructors; onnxruntime-node's native code
 * returns outputs built with the process's, and onnxruntime-common then rejects them (`instanceof Float32Array`
 * fails across realms). Files that run ORT use this environment (docblock `@jest-environment`), which hands the
 * sandbox the process's typed-array constructors so both sides agree.
 */
const { TestEnvironment } = require('jest-environment-node');

const SHARED = ['Float32Array', 'Float64Array', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array',
  'Int32Array', 'Uint32Array', 'BigInt64Array', 'BigUint64Array'];

class OrtEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}

module.exports = OrtEnvironment;
