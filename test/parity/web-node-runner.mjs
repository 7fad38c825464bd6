// Runs parity jobs through runtime/web (the browser build in dist/web, onnxruntime-web's wasm provider) in plain
// Node. It is a separate process because jest's module sandbox cannot run onnxruntime-web's dynamic import() of its
// wasm glue. Usage: node web-node-runner.mjs <dist/web/runtime/web.js> < jobs.json > results.json
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

const web = await import(pathToFileURL(process.argv[2]).href);
const ort = await import('onnxruntime-web');

function modelFiles(dir) {
  const files = {};
  for (const f of fs.readdirSync(dir)) if (f.endsWith('.onnx')) files[f] = new Uint8Array(fs.readFileSync(path.join(dir, f)));
  return files;
}

async function run(job) {
  const files = modelFiles(job.model);
  const opts = { provider: 'wasm', files };
  if (job.kind === 'gan') {
    const s = await web.GanSampler.load(files['model.onnx'], opts);
    const r = await s.sample({ n: job.n, seed: job.seed, labels: job.labels });
    await s.release();
    return { data: Array.from(r.images.data), provider: s.provider, note: s.providerNote };
  }
  if (job.kind === 'flow-logprob' || job.kind === 'flow-sample') {
    const f = await web.Flow.load(files['model.onnx'], opts);
    const out = job.kind === 'flow-logprob' ? (await f.logProb(job.rows)).logProb : (await f.sample({ n: job.n, seed: job.seed })).x;
    const res = { data: Array.from(out), provider: f.provider, note: f.providerNote };
    await f.release();
    return res;
  }
  if (job.kind === 'raw') {
    // A graph the runtime API does not expose (the discriminator): straight through onnxruntime-web.
    const session = await ort.InferenceSession.create(files[job.file], { executionProviders: ['wasm'] });
    const feeds = {};
    for (const [name, f] of Object.entries(job.feeds)) {
      const data = f.type === 'float32' ? Float32Array.from(f.data) : BigInt64Array.from(f.data.map((v) => BigInt(v)));
      feeds[name] = new ort.Tensor(f.type, data, f.dims);
    }
    const out = await session.run(feeds);
    await session.release();
    return { data: Array.from(out[job.output].data), provider: 'wasm', note: 'raw session' };
  }
  throw new Error(`unknown job kind ${job.kind}`);
}

const jobs = JSON.parse(fs.readFileSync(0, 'utf8'));
const results = [];
for (const job of jobs) {
  try {
    results.push(await run(job));
  } catch (err) {
    results.push({ error: err instanceof Error ? err.message : String(err) });
  }
}
process.stdout.write(JSON.stringify(results));
