/**
 * The evaluation report: reports/eval.json (every figure, machine-readable) and reports/eval.md (the tables, and
 * the sample grids side by side with real test images). Both written atomically.
 */
import * as path from 'path';
import { writeFileAtomic } from '../training/harness/atomic-write';
import type { EvalReport, FidKid } from './run-eval';

export const EVAL_JSON = 'eval.json';
export const EVAL_MD = 'eval.md';

function pct(v: number | undefined): string {
  return v === undefined || Number.isNaN(v) ? '-' : `${(100 * v).toFixed(2)}%`;
}

function num(v: number | undefined, digits = 2): string {
  return v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits);
}

/** KID is small: shown x 1000 with its spread over the subsets. */
export function kidText(q: FidKid): string {
  return `${(1000 * q.kid.mean).toFixed(2)} ± ${(1000 * q.kid.std).toFixed(2)}`;
}

/** 'gan (step 937)': which checkpoint the figures are of. */
function label(m: { name: string; from?: { step?: number } }): string {
  return m.from?.step !== undefined ? `${m.name} (step ${m.from.step})` : m.name;
}

function spread(shares: number[] | undefined): string {
  if (!shares) return '-';
  return `${pct(Math.min(...shares))} – ${pct(Math.max(...shares))}`;
}

export function evalMarkdown(r: EvalReport, comparison?: string): string {
  const L: string[] = [];
  L.push('# Evaluation (`dgm eval`)', '');
  const { classifier: c, featureExtractor: fe, floor } = r;
  if (c && fe && floor) {
    const names = Object.keys(c.perClass);
    L.push(`${r.createdAt}, ${r.machine.cpu} (${r.machine.cores} logical cores). Feature extractor \`${fe.id}\` ` +
      `(${fe.features} penultimate features of ${fe.classifier}); figures computed with another extractor are not comparable.`, '');
    L.push('## Classifier', '');
    const meets = c.testAccuracy >= c.target;
    L.push(`Test accuracy on the ${c.n} Fashion-MNIST test images: **${pct(c.testAccuracy)}** ` +
      `(target >= ${pct(c.target)}: ${meets ? 'met' : 'missed'}).`, '');
    L.push(`| ${names.join(' | ')} |`, `|${names.map(() => ' ---: ').join('|')}|`, `| ${names.map((n) => pct(c.perClass[n])).join(' | ')} |`, '');

    L.push('## Sample quality: FID-FMNIST and KID', '');
    L.push('Each model is named with the training step of the checkpoint it was exported from.', '');
    L.push(`${r.settings.samples} samples per model against the ${c.n} test images, in the classifier's feature space; ` +
      `KID x 1000 is the mean ± standard deviation over ${r.settings.kidSubsets} subsets of ${r.settings.kidSubsetSize}. ` +
      `The first row is the floor: real training images against the test images. ${r.settings.clip}.`, '');
    L.push('| model | samples | FID-FMNIST | KID x 1000 | predicted-class share (min – max) | time |', '| --- | ---: | ---: | ---: | ---: | ---: |');
    L.push(`| real train vs test (floor) | ${r.settings.samples} | ${num(floor.quality.fid)} | ${kidText(floor.quality)} | - | - |`);
    for (const g of r.gans) {
      if (g.status !== 'evaluated' || !g.quality) L.push(`| ${g.name} | not trained | - | - | - | - |`);
      else L.push(`| ${label(g)} | ${g.samples} | ${num(g.quality.fid)} | ${kidText(g.quality)} | ${spread(g.predictedClasses)} | ${num(g.seconds, 0)} s |`);
    }
    L.push('');

    const conditional = r.gans.filter((g) => g.classFidelity);
    for (const g of conditional) {
      const f = g.classFidelity!;
      L.push(`## Class fidelity: ${label(g)}`, '');
      L.push(`The classifier's accuracy on ${f.n} samples against the requested labels: **${pct(f.accuracy)}** ` +
        `(the classifier itself scores ${pct(c.testAccuracy)} on real test images).`, '');
      L.push(`| requested | ${names.join(' | ')} |`, `| --- |${names.map(() => ' ---: ').join('|')}|`);
      L.push(`| accuracy | ${f.perClass.map((v) => pct(v)).join(' | ')} |`, '');
    }
    if (!conditional.length) {
      // Which GANs are conditional is known only from an evaluated card: name the ones that were not evaluated.
      const pending = r.gans.filter((g) => g.status !== 'evaluated');
      if (pending.length) L.push('## Class fidelity', '', `no conditional GAN evaluated (${pending.map((g) => `${g.name}: ${g.status}`).join(', ')}).`, '');
    }
  } else {
    L.push(`${r.createdAt}, ${r.machine.cpu} (${r.machine.cores} logical cores). Flows only (\`--only\` named no GAN): no classifier was loaded, so this report has no FID, KID or class fidelity.`, '');
  }

  L.push('## Flows: test log-likelihood', '');
  L.push('The mean is the figure; the median bits/dim and the lowest row show whether a few rows own it.');
  L.push("Diverged samples: drawn from the eval seed, those whose sequential sampling ran off: to NaN/infinity, or (image flows) to a logit beyond 5x the data's range (runtime/core/flow.ts divergedRows); the sample grid draws them again.", '');
  L.push('| model | test log-likelihood | bits/dim | median bits/dim | lowest row: log-likelihood | test rows | diverged samples | units |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const f of r.flows) {
    if (f.status !== 'evaluated') L.push(`| ${f.name} | not trained | - | - | - | - | - | - |`);
    else L.push(`| ${label(f)} | ${num(f.testLogLik, 4)} | ${num(f.bitsPerDim, 4)} | ${num(f.medianBitsPerDim, 4)} | ${f.lowest ? `#${f.lowest.index}: ${f.lowest.logLik.toPrecision(6)}` : '-'} | ${f.n ?? '-'} | ${f.diverged ? `${f.diverged.rows} of ${f.diverged.of} (${((100 * f.diverged.rows) / f.diverged.of).toFixed(1)}%)` : '-'} | ${f.units ?? ''} |`);
  }
  L.push('');

  L.push('## Samples', '');
  const shown = [{ name: 'real test images', grid: r.realGrid }, ...[...r.gans, ...r.flows].filter((m) => m.grid).map((m) => ({ name: m.name, grid: m.grid! }))];
  L.push(`| ${shown.map((s) => s.name).join(' | ')} |`, `|${shown.map(() => ' :---: ').join('|')}|`);
  L.push(`| ${shown.map((s) => `![${s.name}](${s.grid})`).join(' | ')} |`, '');
  const missing = [...r.gans, ...r.flows].filter((m) => m.status !== 'evaluated').map((m) => m.name);
  if (missing.length) L.push(`Not trained (no models/<name>/model.onnx): ${missing.join(', ')}.`, '');
  if (comparison) L.push('## Against the baseline', '', comparison, '');
  return L.join('\n');
}

/** Writes eval.json and eval.md into `dir`; returns their paths. */
export function writeEvalReport(dir: string, r: EvalReport, comparison?: string): { json: string; md: string } {
  const json = path.join(dir, EVAL_JSON);
  const md = path.join(dir, EVAL_MD);
  writeFileAtomic(json, JSON.stringify(r, null, 2) + '\n');
  writeFileAtomic(md, evalMarkdown(r, comparison));
  return { json, md };
}
