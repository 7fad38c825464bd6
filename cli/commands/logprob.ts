/**
 * `dgm logprob <model> <file>`: per-example log-likelihood (nats) and, for image flows, bits/dim, through
 * onnxruntime-node. The file holds data rows in the data's own coordinates: an IDX image file (.gz or not), a PNG,
 * or JSON rows (`[[...], ...]` or `{ "rows": [...] }`: 8-bit pixels for an image flow, points for a 2-D flow).
 */
import { Command } from 'commander';
import * as fs from 'fs';
import * as path from 'path';
import { formatColumn, lowestExampleShare, lowestIsOutlier, summarizeLogProb } from '../../runtime/core/log-prob-summary';
import { parseSeed } from '../../runtime/core/checks';
import { resolveModelPath } from '../../runtime/model-path';
import { checkNodeProvider } from '../../runtime/node-providers';
import { Flow, FlowSpec, readModelCard } from '../../runtime/node';
import { decodeGrayPng } from '../../runtime/png';
import { cliLoadError } from './sample';
import { maybeGunzip, parseIdx } from '../../training/data/idx';

export interface Rows {
  rows: Float32Array;
  n: number;
  what: string;
}

function imageShapeText(spec: FlowSpec): string {
  return spec.image ? `${spec.image.height}x${spec.image.width}` : `${spec.dims} values`;
}

/** Reads the data rows of `file` for a flow of `spec`'s width; errors name the file and what was expected. */
export function readRows(file: string, spec: FlowSpec, limit?: number): Rows {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new Error(`${file}: cannot read: ${(err as Error).message}`);
  }
  const d = spec.dims;
  const take = (rows: Float32Array, n: number, what: string): Rows => {
    const m = limit === undefined ? n : Math.min(n, limit);
    return { rows: rows.subarray(0, m * d), n: m, what: m < n ? `${what} (first ${m} of ${n})` : what };
  };
  const lower = file.toLowerCase();
  if (lower.endsWith('.json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(bytes).toString('utf8'));
    } catch (err) {
      throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
    }
    const list = Array.isArray(parsed) ? parsed : (parsed as { rows?: unknown })?.rows;
    if (!Array.isArray(list) || list.length === 0) throw new Error(`${file}: expected a non-empty JSON list of rows, or { "rows": [...] }`);
    const rows = new Float32Array(list.length * d);
    list.forEach((r: unknown, i: number) => {
      if (Array.isArray(r) && r.length === d) {
        // JSON.parse reads 1e999 as Infinity, which JSON.stringify would print as null: name the value itself.
        const j = r.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
        if (j >= 0) throw new Error(`${file}: row ${i}, value ${j} is ${typeof r[j] === 'number' ? `${r[j]} (beyond float64's range in the file)` : JSON.stringify(r[j])}: every value must be a finite number`);
      }
      if (!Array.isArray(r) || r.length !== d) {
        throw new Error(`${file}: row ${i} must be a list of ${d} finite numbers (the model's width), got ${Array.isArray(r) ? `a list of ${r.length}` : JSON.stringify(r).slice(0, 60)}`);
      }
      rows.set(r as number[], i * d);
    });
    return take(rows, list.length, `${list.length} JSON rows`);
  }
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) {
    const img = decodeGrayPng(bytes, file);
    if (!spec.image) throw new Error(`${file}: a ${img.width}x${img.height} PNG, but the model takes rows of ${d} values, not images`);
    if (img.width !== spec.image.width || img.height !== spec.image.height) {
      throw new Error(`${file}: a ${img.width}x${img.height} PNG, but the model takes ${imageShapeText(spec)} images`);
    }
    return { rows: Float32Array.from(img.pixels), n: 1, what: `a ${img.width}x${img.height} PNG (gray)` };
  }
  let idx;
  try {
    idx = parseIdx(maybeGunzip(bytes, file), file);
  } catch (err) {
    throw new Error(`${(err as Error).message}; dgm logprob reads IDX images (.gz or raw), a PNG, or JSON rows in a .json file ([[...], ...] or { "rows": [...] })`);
  }
  const per = idx.dims.slice(1).reduce((a, b) => a * b, 1);
  if (idx.dims.length < 2 || per !== d) {
    throw new Error(`${file}: IDX of shape [${idx.dims.join(', ')}], but the model takes rows of ${imageShapeText(spec)}`);
  }
  return take(Float32Array.from(idx.data), idx.dims[0], `${idx.dims[0]} IDX images ${idx.dims.slice(1).join('x')}`);
}

export function registerLogprob(program: Command): void {
  program
    .command('logprob')
    .description('per-example log-likelihood (and bits/dim for image flows) of data under an exported flow')
    .argument('<model>', 'flow model folder or .onnx file, or the name of a model in --models')
    .argument('<file>', 'data: IDX images (.gz or raw), a PNG, or JSON rows')
    .option('--limit <n>', 'only the first n examples')
    .option('--seed <seed>', 'seed of the dequantisation noise for 8-bit images', '0')
    .option('--all', 'print every example (default: the first 10 when there are more than 20)')
    .option('--provider <p>', 'execution provider: auto (CUDA if installed, else CPU), cuda, cpu, webgpu', 'auto')
    .option('--models <dir>', 'folder of exported models', 'models')
    .option('--no-verify', 'skip the check of every file\'s sha256 and card at load (for files verified some other way)')
    .action(async (model: string, file: string, opts: { limit?: string; seed: string; all?: boolean; provider: string; models: string; verify: boolean }) => {
      const limit = opts.limit === undefined ? undefined : Number(opts.limit);
      if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1)) throw new Error(`--limit must be a positive integer, got ${opts.limit}`);
      const seed = parseSeed(opts.seed, '--seed');
      const source = resolveModelPath(model, opts.models);
      const card = readModelCard(source);
      if (card.type !== 'flow') throw new Error(`model ${card.name} (${source}) is a ${card.type === 'gan' ? `GAN (${card.variant ?? card.kind})` : card.type}, not a flow: dgm logprob scores data under a flow${card.type === 'gan' ? '; draw from it with dgm sample' : ''}`);
      const flow = await Flow.load(source, { provider: checkNodeProvider(opts.provider, '--provider'), verify: opts.verify }).catch((e) => Promise.reject(cliLoadError(e)));
      try {
        const spec = flow.spec;
        const data = readRows(file, spec, limit);
        const r = await flow.logProbData(data.rows, seed);
        const bits = r.bitsPerDim;
        const space = spec.transform.kind === 'logit' ? `dequantised pixels in [0, 1)^${spec.dims}, noise seed ${seed}` : spec.transform.kind === 'standardize' ? 'data coordinates (un-standardised)' : spec.space || 'model coordinates';
        console.log(`${spec.name} on ${path.basename(file)}: ${data.what}; log-density of ${space}; ${flow.provider} (${flow.providerNote}), ${r.ms.toFixed(0)} ms`);
        console.log(`${'#'.padStart(6)}  ${'log p (nats)'.padStart(14)}${bits ? '  bits/dim'.padStart(11) : ''}`);
        const show = opts.all || data.n <= 20 ? data.n : 10;
        for (let i = 0; i < show; i++) {
          console.log(`${String(i).padStart(6)}  ${formatColumn(r.logProb[i], 14, 3)}${bits ? formatColumn(bits[i], 11, 4) : ''}`);
        }
        if (show < data.n) console.log(`   ... (${data.n - show} more; --all prints them)`);
        const lp = summarizeLogProb(r.logProb);
        if (lp.finite < data.n) {
          console.log(`note: ${data.n - lp.finite} example(s) have no finite log-density: the flow overflows that far from the data it was trained on; the means below leave them out`);
        }
        let line = `mean log-likelihood ${lp.mean.toFixed(3)} nats (std ${lp.std.toFixed(3)}) over ${lp.finite} example${lp.finite === 1 ? '' : 's'}`;
        if (bits) {
          const b = summarizeLogProb(bits);
          line += `; ${b.mean.toFixed(4)} bits/dim (std ${b.std.toFixed(4)})`;
        }
        console.log(line);
        if (lp.finite > 1) {
          line = `median ${lp.median.toFixed(3)} nats${bits ? ` (${summarizeLogProb(bits).median.toFixed(4)} bits/dim)` : ''}; lowest #${lp.lowest.index} at ${lp.lowest.value.toPrecision(6)} nats`;
          if (lowestIsOutlier(lp)) {
            line += ` (${((lp.median - lp.lowest.value) / lp.mad).toPrecision(3)} median absolute deviations below the median), which alone lowers the mean by ${lowestExampleShare(lp).toPrecision(4)} nats: far outside what the flow was trained on`;
          }
          console.log(line);
        }
      } finally {
        await flow.release();
      }
    });
}
