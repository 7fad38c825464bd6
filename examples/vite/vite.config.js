// Vite for a page that samples dgm models in a worker:
// - COOP/COEP on the dev and preview servers, so onnxruntime-web runs threaded wasm (SharedArrayBuffer);
// - workers as ES modules;
// - onnxruntime-web kept out of the dev pre-bundler (it finds its .wasm next to its own module);
// - onnxruntime-web's wasm glue and binary copied next to the bundled chunks, where it looks for them;
// - the shipped model copied from the installed dgm-runtime into the build as models/cgan/.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defaultClientConditions, defineConfig } from 'vite';

const require = createRequire(import.meta.url);
const shipped = join(dirname(require.resolve('dgm-runtime/package.json')), 'models');
const MODELS = ['cgan'];
const FILES = MODELS.flatMap((m) => ['model.onnx', 'card.json'].map((f) => `${m}/${f}`));
const ortDist = dirname(require.resolve('onnxruntime-web'));
const ORT_FILES = ['ort-wasm-simd-threaded.jsep.mjs', 'ort-wasm-simd-threaded.jsep.wasm'];
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

function dgmModels() {
  return {
    name: 'dgm-models',
    configureServer(server) {
      server.middlewares.use('/models/', (req, res, next) => {
        const f = FILES.find((x) => req.url === `/${x}`);
        if (!f) return next();
        res.setHeader('Content-Type', f.endsWith('.json') ? 'application/json' : 'application/octet-stream');
        res.end(readFileSync(join(shipped, f)));
      });
    },
    generateBundle() {
      for (const f of FILES) this.emitFile({ type: 'asset', fileName: `models/${f}`, source: readFileSync(join(shipped, f)) });
      for (const f of ORT_FILES) this.emitFile({ type: 'asset', fileName: `assets/${f}`, source: readFileSync(join(ortDist, f)) });
    },
  };
}

export default defineConfig({
  plugins: [dgmModels()],
  // onnxruntime-web's build that loads its wasm glue as a separate module: its threads' workers then load that
  // module alone, not the app's worker chunk (which would run the app's code in each of them).
  resolve: { conditions: ['onnxruntime-web-use-extern-wasm', ...defaultClientConditions] },
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  server: { headers: isolation },
  preview: { headers: isolation },
  build: { target: 'es2022' },
});
