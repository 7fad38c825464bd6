#!/usr/bin/env node
// The CLI runs from the compiled TypeScript in dist/ (built by `npm ci` through the prepare script, or `make build`).
const path = require('path');
const fs = require('fs');
const main = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
if (!fs.existsSync(main)) {
  console.error(`dgm: ${main} is missing; build it first with \`npm run build\` (or \`make build\`).`);
  process.exit(1);
}
require(main);
