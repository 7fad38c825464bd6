/**
 * `dgm bench verify [model]`: what integrity verification (runtime/core/integrity.ts) costs at load. Times
 * Flow/GanSampler.load with and without `verify`, alternating, and the sha256 alone through Node's crypto and
 * WebCrypto. Without a model it exports a flow of maf-fmnist's shape (5 MADEs 784-1024-1568, staircase-lowered)
 * from seeded random weights into a temporary folder, so the figure needs no trained run.
 */
import { Command, InvalidArgumentError } from 'commander';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { contentSha256 } from '../../runtime/core/integrity';
import { Flow, GanSampler, readModelCard } from '../../runtime/node';
import { webSha256 } from '../../runtime/web';
import { benchCommand } from './bench';

function nodeSha256(parts: readonly Uint8Array[]): string {
  const h = crypto.createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

/** A maf-fmnist-shaped flow with random weights, exported (no parity run, no checker) into `root/maf-fmnist-random`. */
async function exportRandomMafFmnist(root: string): Promise<string> {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  const { exportModel } = await import('../../export/export-model');
  const { mafJob } = await import('../../families/maf/maf-job');
  const { weightsFromParams } = await import('../../export/weights');
  const { Random } = await import('../../runtime/core/random');
  const { initMafParams, mafDefinition } = await import('../../families/maf/maf');
  const cfg = { inputSize: 784, hiddenSize: 1024, nHidden: 1, nFlows: 5, conditionerBound: 4 };
  const def = mafDefinition(cfg);
  const params = initMafParams(def, new Random(7));
  const dir = path.join(root, 'maf-fmnist-random');
  const training = { run: 'maf-fmnist-random', checkpoint: '(random init)', step: 0, epoch: 0, config: cfg, metrics: {} };
  const data = { dimensions: 784, space: 'logit', details: { dataset: 'fashion-mnist', lambda: 1e-6 } };
  await exportModel({ ...mafJob({ name: 'maf-fmnist-random', kind: 'maf', def, params, weights: weightsFromParams(params), training, data, reference: 'none' }), parity: async () => [] }, dir, { checker: 'off', runtime: 'onnxruntime-node' });
  params.forEach((v) => v.dispose());
  return dir;
}

export function registerBenchVerify(program: Command): void {
  benchCommand(program)
    .command('verify')
    .description('time the integrity check at load (sha256 of every file, card.json) against a load with verify: false')
    .argument('[model]', 'model folder (default: a maf-fmnist-shaped flow exported from random weights)')
    .option('--reps <n>', 'loads of each kind, alternating', (v: string) => {
      const n = Number(v);
      if (!/^\d+$/.test(v) || n < 1 || n > 100) throw new InvalidArgumentError(`--reps expects an integer in [1, 100], got '${v}'`);
      return n;
    }, 5)
    .action(async (model: string | undefined, opts: { reps: number }) => {
      const tmp = model ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'dgm-bench-verify-'));
      try {
        const dir = model ?? (await exportRandomMafFmnist(tmp!));
        const card = readModelCard(dir);
        const load = async (verify: boolean) => {
          const m = card.type === 'gan' ? await GanSampler.load(dir, { verify, provider: 'cpu' }) : await Flow.load(dir, { verify, provider: 'cpu' });
          await m.release();
        };
        const primary = card.files.find((f) => f.file === 'model.onnx') ?? card.files[0];
        const bytes = new Uint8Array(fs.readFileSync(path.join(dir, primary.file)));
        const on: number[] = [];
        const off: number[] = [];
        const nodeHash: number[] = [];
        const webHash: number[] = [];
        await load(true); // warm-up: file cache, onnxruntime's first session
        for (let i = 0; i < opts.reps; i++) {
          on.push(await timed(() => load(true)));
          off.push(await timed(() => load(false)));
          nodeHash.push(await timed(() => contentSha256(bytes, nodeSha256)));
          webHash.push(await timed(() => contentSha256(bytes, webSha256)));
        }
        const mib = (bytes.length / 2 ** 20).toFixed(1);
        console.log(`${card.name}: ${primary.file} ${mib} MiB (${card.files.map((f) => `${f.file} ${(f.bytes / 2 ** 20).toFixed(1)} MiB`).join(', ')}); medians of ${opts.reps}, alternating`);
        console.log(`  load (${primary.file} session) verify: true  ${median(on).toFixed(1)} ms   verify: false ${median(off).toFixed(1)} ms   difference ${(median(on) - median(off)).toFixed(1)} ms`);
        console.log(`  sha256 of ${primary.file}: Node crypto ${median(nodeHash).toFixed(1)} ms, WebCrypto (Node) ${median(webHash).toFixed(1)} ms`);
      } finally {
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
      }
    });
}
