/**
 * Comparing two evaluation reports (e.g. before and after retraining a GAN): FID and KID only mean the same thing
 * in the same feature space, so reports from different feature extractors are refused, never compared.
 */
import * as fs from 'fs';
import { assertSameExtractor } from './extractor';
import { EVAL_FORMAT, type EvalReport } from './run-eval';

export function readEvalReport(file: string): EvalReport {
  let r: Partial<EvalReport>;
  try {
    r = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<EvalReport>;
  } catch (e) {
    throw new Error(`baseline ${file}: cannot read it as JSON (${(e as Error).message})`);
  }
  if (r.format !== EVAL_FORMAT || typeof r.featureExtractor?.id !== 'string') {
    throw new Error(`baseline ${file}: not an evaluation report of format ${EVAL_FORMAT} with a featureExtractor.id`);
  }
  return r as EvalReport;
}

function delta(now: number, before: number): string {
  const d = now - before;
  return `${d >= 0 ? '+' : ''}${d.toFixed(2)}`;
}

/** A Markdown table of FID / KID now vs the baseline (rows present in both); throws on different extractors. */
export function compareReports(base: EvalReport, baseWhere: string, cur: EvalReport, curWhere: string): string {
  assertSameExtractor({ id: base.featureExtractor.id, where: baseWhere }, { id: cur.featureExtractor.id, where: curWhere });
  const rows = ['| model | FID now | FID before | change | KID x 1000 now | before |', '| --- | ---: | ---: | ---: | ---: | ---: |'];
  const pairs: { name: string; now?: EvalReport['floor']['quality']; before?: EvalReport['floor']['quality'] }[] = [
    { name: 'real train vs test (floor)', now: cur.floor.quality, before: base.floor.quality },
    ...cur.gans.map((g) => ({ name: g.name, now: g.quality, before: base.gans.find((b) => b.name === g.name)?.quality })),
  ];
  for (const p of pairs) {
    if (!p.now || !p.before) continue;
    rows.push(`| ${p.name} | ${p.now.fid.toFixed(2)} | ${p.before.fid.toFixed(2)} | ${delta(p.now.fid, p.before.fid)} | ${(1000 * p.now.kid.mean).toFixed(2)} | ${(1000 * p.before.kid.mean).toFixed(2)} |`);
  }
  return `Baseline ${baseWhere} (${base.createdAt}), same feature extractor \`${cur.featureExtractor.id}\`.\n\n${rows.join('\n')}`;
}
