/**
 * `dgm sample <model> --n 100 --seed 1 [--label 3] --out grid.png`: samples through onnxruntime-node into a PNG.
 * GANs and image flows give an image grid; a 2-D flow gives its samples over its density as a heat map.
 */
import { Command } from 'commander';
import * as path from 'path';
import { boundsOf, drawPoints, gridPoints, heatmap } from '../../runtime/core/plot2d';
import { imageGrid } from '../../runtime/core/grid';
import { resolveModelPath } from '../../runtime/model-path';
import { checkNodeProvider } from '../../runtime/node-providers';
import { Flow, GanSampler, readModelCard } from '../../runtime/node';
import { IntegrityError } from '../../runtime/core/integrity';
import { divergenceBound, MAX_REDRAW_ROUNDS } from '../../runtime/core/flow';
import { encodePng, gridPng } from '../../runtime/png';
import { checkCount, parseSeed } from '../../runtime/core/checks';
import { checkOutputPath, writeFileAtomic } from '../../training/harness/atomic-write';

export interface SampleCliOptions {
  n: number;
  seed: number;
  label?: number;
  out: string;
  provider: string;
  cols?: number;
  models: string;
  /** Flows: draw fresh latents for rows whose sample diverges (runtime/core/flow.ts). */
  redrawDiverged?: boolean;
  /** false: skip the integrity check at load (--no-verify). */
  verify?: boolean;
}

/** An integrity failure worded for the command line: its own flag to skip the check, not the API's option. */
export function cliLoadError(err: unknown): unknown {
  return err instanceof IntegrityError ? new Error(`${err.detail} (to skip this check: --no-verify)`) : err;
}

function rowList(rows: number[]): string {
  return rows.length <= 10 ? rows.join(', ') : `${rows.slice(0, 10).join(', ')}, ...`;
}

/** What the command says about diverged flow samples ('' when none diverged). */
export function divergenceText(r: { n: number; diverged: number[]; redrawn: number[] }, redrawAsked: boolean, bound = Infinity): string {
  const rule = Number.isFinite(bound) ? `NaN/infinity or some |x| > ${+bound.toPrecision(4)}, far outside the data` : 'NaN/infinity';
  const parts: string[] = [];
  if (r.redrawn.length > 0) parts.push(`${r.redrawn.length} of ${r.n} samples diverged and ${r.redrawn.length === 1 ? 'was' : 'were'} drawn again from fresh latents (rows ${rowList(r.redrawn)})`);
  if (r.diverged.length > 0) {
    const hint = redrawAsked ? `still after ${MAX_REDRAW_ROUNDS} fresh latents each` : '--redraw-diverged draws fresh latents for them';
    parts.push(`warning: ${r.diverged.length} of ${r.n} samples diverged (${rule}; rows ${rowList(r.diverged)}; their non-finite pixels are drawn black): ${hint}`);
  }
  return parts.map((p) => `; ${p}`).join('');
}

function intOption(name: string, v: string): number {
  const n = Number(v);
  if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n)) throw new Error(`${name} must be an integer, got ${JSON.stringify(v)}`);
  return n;
}

/** Samples and writes the PNG; returns the line the command prints. */
export async function sampleToPng(modelArg: string, o: SampleCliOptions): Promise<string> {
  checkOutputPath(o.out, '--out'); // before sampling: a bad path should not cost the run
  checkCount('--n', o.n);
  if (o.cols !== undefined && !(Number.isInteger(o.cols) && o.cols >= 1 && o.cols <= o.n)) throw new Error(`--cols must be an integer in [1, ${o.n}] (--n, the number of samples), got ${o.cols}`);
  const source = resolveModelPath(modelArg, o.models);
  const provider = checkNodeProvider(o.provider, '--provider');
  const card = readModelCard(source);
  if (card.type !== 'gan' && card.type !== 'flow') throw new Error(`model ${card.name} (${source}) is a ${card.type} (family ${card.family}): dgm sample draws from GANs and flows`);
  let png: Uint8Array;
  let what: string;
  let via: string;
  if (card.type === 'gan') {
    if (o.redrawDiverged) throw new Error(`--redraw-diverged: model ${card.name} is a GAN, whose samples cannot diverge (it applies to flows)`);
    if (o.label !== undefined) {
      const k = card.numClasses;
      if (k === 0) throw new Error(`--label ${o.label}: model ${card.name} is an unconditional GAN and takes no class`);
      if (!(Number.isInteger(o.label) && o.label >= 0 && o.label < k)) throw new Error(`--label must be an integer in [0, ${k - 1}] (the classes of ${card.name}), got ${o.label}`);
    }
    const gan = await GanSampler.load(source, { provider, verify: o.verify }).catch((e) => Promise.reject(cliLoadError(e)));
    try {
      const r = await gan.sample({ n: o.n, seed: o.seed, labels: o.label });
      // Without a label, a conditional grid shows one class per column.
      const cols = o.cols ?? (gan.conditional && o.label === undefined ? gan.spec.numClasses : undefined);
      const grid = imageGrid(r.images, { cols, pad: 2 });
      png = gridPng(grid);
      const labelText = gan.conditional ? (o.label === undefined ? ', classes i mod 10' : `, class ${o.label} (${gan.spec.classNames[o.label]})`) : '';
      what = `${o.n} samples${labelText}, ${grid.width}x${grid.height} grid`;
      via = `${r.ms.toFixed(0)} ms on ${gan.provider} (${gan.providerNote})`;
    } finally {
      await gan.release();
    }
  } else {
    if (o.label !== undefined) throw new Error(`--label: model ${card.name} is a flow and takes no labels`);
    const flow = await Flow.load(source, { provider, verify: o.verify }).catch((e) => Promise.reject(cliLoadError(e)));
    try {
      const s = await flow.sample({ n: o.n, seed: o.seed, redrawDiverged: o.redrawDiverged }).catch((e) => Promise.reject(cliLoadError(e)));
      const spec = flow.spec;
      if (spec.dims === 2) {
        const [w, h, cx, cy] = [720, 480, 144, 96];
        const b = boundsOf(s.data);
        const lp = await flow.logProbData(gridPoints(b, cx, cy));
        const img = heatmap(Float32Array.from(lp.logProb), cx, cy, w, h);
        drawPoints(img, w, h, s.data, b);
        png = encodePng(w, h, img);
        what = `${o.n} samples over the log-density, x in [${b.xmin.toFixed(2)}, ${b.xmax.toFixed(2)}], y in [${b.ymin.toFixed(2)}, ${b.ymax.toFixed(2)}]`;
      } else if (spec.image && spec.transform.kind === 'logit') {
        const grid = imageGrid({ data: s.data, n: o.n, ...spec.image, range: [0, 1] }, { cols: o.cols, pad: 2 });
        png = gridPng(grid);
        what = `${o.n} samples, ${grid.width}x${grid.height} grid`;
      } else {
        throw new Error(`model ${card.name}: ${spec.dims}-D samples in "${spec.space}" have no picture (only 2-D flows and image flows do)`);
      }
      via = `${s.ms.toFixed(0)} ms on ${flow.provider} (${flow.providerNote})${divergenceText(s, o.redrawDiverged === true, divergenceBound(spec.transform))}`;
    } finally {
      await flow.release();
    }
  }
  writeFileAtomic(o.out, png, '--out');
  const rel = path.relative(process.cwd(), path.resolve(o.out));
  return `${card.name}: ${what} in ${via} -> ${rel.startsWith('..') ? path.resolve(o.out) : rel}`;
}

export function registerSample(program: Command): void {
  program
    .command('sample')
    .description('sample an exported model with onnxruntime-node and write a PNG (image grid, or 2-D samples over the density)')
    .argument('<model>', 'model folder or .onnx file, or the name of a model in --models')
    .option('--n <n>', 'number of samples', '100')
    .option('--seed <seed>', 'seed of the latent noise (the same seed gives the same images in Node and in the browser)', '1')
    .option('--label <class>', 'conditional GANs: class 0..9 for every sample (default: class i mod 10 for sample i)')
    .option('--cols <cols>', 'grid columns')
    .option('--provider <p>', 'execution provider: auto (CUDA if installed, else CPU), cuda, cpu, webgpu', 'auto')
    .option('--models <dir>', 'folder of exported models', 'models')
    .option('--redraw-diverged', 'flows: a sample that diverges (the sequential sampler left the data: NaN/infinity, or for image flows a logit 5x beyond the data\'s range) is drawn again from fresh latents')
    .option('--no-verify', 'skip the check of every file\'s sha256 and card at load (for files verified some other way)')
    .requiredOption('--out <file.png>', 'PNG to write')
    .action(async (model: string, opts: { n: string; seed: string; label?: string; cols?: string; provider: string; models: string; out: string; redrawDiverged?: boolean; verify: boolean }) => {
      const line = await sampleToPng(model, {
        n: intOption('--n', opts.n),
        seed: parseSeed(opts.seed, '--seed'),
        label: opts.label === undefined ? undefined : intOption('--label', opts.label),
        cols: opts.cols === undefined ? undefined : intOption('--cols', opts.cols),
        provider: opts.provider,
        models: opts.models,
        out: opts.out,
        redrawDiverged: opts.redrawDiverged === true,
        verify: opts.verify,
      });
      console.log(line);
    });
}
