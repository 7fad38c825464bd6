/**
 * Child process of the parity suite: the jobs on stdin through onnxruntime-node's WebGPU provider (started with the
 * Vulkan loader's environment, which jest's process cannot take). Prints the results as JSON on stdout.
 *   node -r ./test/helpers/swc-register.js test/parity/node-webgpu-runner.ts < jobs.json
 */
import * as fs from 'fs';
import { ParityJob, runOnNode } from './runtimes';

async function main(): Promise<void> {
  const jobs = JSON.parse(fs.readFileSync(0, 'utf8')) as ParityJob[];
  const out: unknown[] = [];
  for (const job of jobs) {
    try {
      const r = await runOnNode(job, 'webgpu');
      out.push({ data: Array.from(r.data), provider: r.provider, note: r.note });
    } catch (err) {
      out.push({ error: err instanceof Error ? err.message : String(err) });
    }
  }
  // stdout is a pipe, written asynchronously: exit only once it is flushed.
  await new Promise<void>((resolve) => process.stdout.write(JSON.stringify(out), () => resolve()));
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
