#!/usr/bin/env node
// The CLI runs from the compiled TypeScript in dist/ (built by `npm ci` through the prepare script, or `make build`).
const path = require('path');
const fs = require('fs');
const main = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
if (!fs.existsSync(main)) {
  console.error(`dgm: ${main} is missing; build it first with \`npm run build\` (or \`make build\`).`);
  process.exit(1);
}
// WebGPU (Dawn) needs a Vulkan loader, which the dynamic linker only finds through an LD_LIBRARY_PATH set before the
// process starts: a command that asks for webgpu on a machine without one runs again with Chromium's loader.
const vulkanEnv = path.join(__dirname, '..', 'dist', 'runtime', 'vulkan-env.js');
const vulkan = fs.existsSync(vulkanEnv) ? require(vulkanEnv) : null;
const env = vulkan && vulkan.argvAsksForWebgpu(process.argv.slice(2)) ? vulkan.reexecEnv(process.env) : null;
if (env) {
  const child = require('child_process').spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env });
  // Ctrl-C reaches the child itself (same process group): it saves its checkpoint and exits, and so do we. A
  // SIGTERM sent to this process is passed on.
  const onInt = () => {};
  const onTerm = () => child.kill('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  child.on('exit', (code, signal) => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
} else {
  require(main);
}
