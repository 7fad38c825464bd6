/**
 * `dgm eval`: FID-FMNIST / KID of every exported GAN, class fidelity of the conditional one, test log-likelihood of
 * the flows, and the classifier's own test accuracy; writes reports/eval.json and reports/eval.md (with the sample
 * grids). Scoring a GAN needs the classifier (`dgm train classifier && dgm export classifier`); `--only` with flows
 * alone does not. See eval/run-eval.ts.
 */
import * as path from 'path';
import { parseSeed } from '../../runtime/core/checks';
import { Command, InvalidArgumentError } from 'commander';
import { compareReports, readEvalReport } from '../../eval/compare';
import { kidText, writeEvalReport } from '../../eval/report';
import { flowModels, ganModels, needsClassifier, runEval } from '../../eval/run-eval';

interface EvalOpts {
  modelsDir: string;
  classifier?: string;
  out: string;
  data?: string;
  samples: number;
  kidSubsets: number;
  kidSubsetSize: number;
  seed: number;
  threads: number;
  only?: string[];
  baseline?: string;
}

function seedArg(v: string): number {
  try {
    return parseSeed(v, '--seed');
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function positiveInt(flag: string, min = 1) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${flag} expects an integer >= ${min}, got '${v}'`);
    return n;
  };
}


function modelList(v: string): string[] {
  const KNOWN = [...ganModels(), ...flowModels()];
  const items = v.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = items.filter((s) => !KNOWN.includes(s));
  if (!items.length || bad.length) throw new InvalidArgumentError(`--only expects a comma-separated subset of ${KNOWN.join(', ')}, got '${v}'`);
  return items;
}

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('sample quality (FID-FMNIST, KID, class fidelity) and flow likelihoods of the exported models -> reports/eval.json, eval.md')
    .option('--models-dir <dir>', 'where the exported models are', 'models')
    .option('--classifier <dir>', 'the exported classifier (default: <models-dir>/classifier)')
    .option('--out <dir>', 'where eval.json, eval.md and the sample grids go', 'reports')
    .option('--data <dir>', 'Fashion-MNIST folder (default: discovery order)')
    .option('--samples <n>', 'generated images per GAN, and real training images for the floor', positiveInt('--samples', 2), 10000)
    .option('--kid-subsets <n>', 'KID subsets', positiveInt('--kid-subsets'), 10)
    .option('--kid-subset-size <n>', 'rows per KID subset', positiveInt('--kid-subset-size', 2), 1000)
    .option('--seed <n>', 'seed of the samples, the dequantisation noise and the subsets: an integer in [0, 2^32)', seedArg, 0)
    .option('--threads <n>', 'onnxruntime intra-op threads', positiveInt('--threads'), 2)
    .option('--only <models>', `evaluate only these (${[...ganModels(), ...flowModels()].join(', ')})`, modelList)
    .option('--baseline <eval.json>', 'compare FID/KID with an earlier report (refused if its feature extractor differs)')
    .action(async (opts: EvalOpts) => {
      // Read the baseline first: a mismatch should fail before minutes of work, not after.
      const baseline = opts.baseline ? readEvalReport(opts.baseline) : undefined;
      if (baseline && !needsClassifier(opts.only)) throw new InvalidArgumentError(`--baseline compares GANs' FID/KID, and --only ${opts.only!.join(',')} names no GAN`);
      const report = await runEval({
        modelsDir: opts.modelsDir,
        classifier: opts.classifier,
        outDir: opts.out,
        dataDir: opts.data,
        samples: opts.samples,
        kidSubsets: opts.kidSubsets,
        kidSubsetSize: opts.kidSubsetSize,
        seed: opts.seed,
        threads: opts.threads,
        only: opts.only,
        log: (line) => console.error(line),
      });
      const comparison = baseline ? compareReports(baseline, opts.baseline!, report, path.join(opts.out, 'eval.json')) : undefined;
      const files = writeEvalReport(opts.out, report, comparison);
      const { classifier: c, featureExtractor: fe, floor } = report;
      if (c && fe && floor) {
        console.log(`feature extractor ${fe.id}`);
        console.log(`classifier test accuracy ${(100 * c.testAccuracy).toFixed(2)}% (target >= ${100 * c.target}%: ${c.testAccuracy >= c.target ? 'met' : 'MISSED'})`);
        console.log(`${'model'.padEnd(28)} ${'FID'.padStart(8)} ${'KID x1000'.padStart(16)}  class fidelity`);
        console.log(`${'real train vs test (floor)'.padEnd(28)} ${floor.quality.fid.toFixed(2).padStart(8)} ${kidText(floor.quality).padStart(16)}`);
      }
      for (const g of report.gans) {
        if (!g.quality) console.log(`${g.name.padEnd(28)} not trained`);
        else console.log(`${g.name.padEnd(28)} ${g.quality.fid.toFixed(2).padStart(8)} ${kidText(g.quality).padStart(16)}  ${g.classFidelity ? (100 * g.classFidelity.accuracy).toFixed(2) + '%' : '-'}`);
      }
      for (const f of report.flows) {
        if (f.status !== 'evaluated') console.log(`${f.name.padEnd(28)} not trained`);
        else console.log(`${f.name.padEnd(28)} test log-likelihood ${f.testLogLik?.toFixed(4) ?? '-'}${f.bitsPerDim !== undefined ? `, ${f.bitsPerDim.toFixed(4)} bits/dim` : ''} (${f.units})`);
      }
      if (comparison) console.log(`\n${comparison}`);
      console.log(`\nwrote ${files.json} and ${files.md}`);
    });
}
