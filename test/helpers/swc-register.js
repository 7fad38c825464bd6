/**
 * `node -r ./test/helpers/swc-register.js file.ts`: runs the TypeScript sources in a child process the way jest
 * does (swc, CommonJS, './x.js' imports mapped to './x.ts'). For tests that need a process of their own, e.g. one
 * started with the Vulkan loader's environment (runtime/vulkan-env.ts), which jest's own process cannot change.
 */
const fs = require('fs');
const path = require('path');
const Module = require('module');
const swc = require('@swc/core');

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  if (parent && /^\.{1,2}\//.test(request) && request.endsWith('.js')) {
    const ts = path.resolve(path.dirname(parent.filename), request.slice(0, -3) + '.ts');
    if (fs.existsSync(ts)) return ts;
  }
  return resolve.call(this, request, parent, ...rest);
};
require.extensions['.ts'] = (module, filename) => {
  const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: { target: 'es2022', parser: { syntax: 'typescript' } },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};
