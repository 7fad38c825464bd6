/**
 * Comparing two evaluation reports (e.g. before and after retraining a GAN): FID and KID only mean the same thing
 * in the same feature space, so reports from different feature extractors are refused, never compared.
 */
import * as fs from 'fs';
import { assertSameExtractor } from './extractor';
import { EVAL_FORMAT, type EvalReport, type FidKid } from './run-eval';

export function readEvalReport(file: string): EvalReport {
  let r: Partial<EvalReport>;
  try {
    r = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<EvalReport>;
  } catch (e) {
    throw new Error(`baseline ${file}: cannot read it as JSON (${(e as Error).message})`);
  }
  if (r.format !== EVAL_FORMAT) throw new Error(`baseline ${file}: not an evaluation report of format ${EVAL_FORMAT}`);
  if (typeof r.featureExtractor?.id !== 'string') throw new Error(`baseline ${file}: has no featureExtractor.id (a report of flows only, or not an evaluation report): there are no FID/KID figures to compare with`);
  return r as EvalReport;
}

function delta(now: number, before: number): string {
  const d = now - before;
  return `${d >= 0 ? '+' : ''}${d.toFixed(2)}`;
}

/** A Markdown table of FID / KID now vs the baseline (rows present in both); throws on different extractors. */
export function compareReports(base: EvalReport, baseWhere: string, cur: EvalReport, curWhere: string): string {
  const [bx, cx, bf, cf] = [base.featureExtractor, cur.featureExtractor, base.floor, cur.floor];
  if (!bx || !bf) throw new Error(`${baseWhere}: a report of flows only (no classifier figures): nothing to compare FID/KID with`);
  if (!cx || !cf) throw new Error(`${curWhere}: a report of flows only (no classifier figures): a baseline compares GANs' FID/KID; evaluate a GAN too`);
  assertSameExtractor({ id: bx.id, where: baseWhere }, { id: cx.id, where: curWhere });
  const rows = ['| model | FID now | FID before | change | KID x 1000 now | before |', '| --- | ---: | ---: | ---: | ---: | ---: |'];
  const pairs: { name: string; now?: FidKid; before?: FidKid }[] = [
    { name: 'real train vs test (floor)', now: cf.quality, before: bf.quality },
    ...cur.gans.map((g) => ({ name: g.name, now: g.quality, before: base.gans.find((b) => b.name === g.name)?.quality })),
  ];
  for (const p of pairs) {
    if (!p.now || !p.before) continue;
    rows.push(`| ${p.name} | ${p.now.fid.toFixed(2)} | ${p.before.fid.toFixed(2)} | ${delta(p.now.fid, p.before.fid)} | ${(1000 * p.now.kid.mean).toFixed(2)} | ${(1000 * p.before.kid.mean).toFixed(2)} |`);
  }
  return `Baseline ${baseWhere} (${base.createdAt}), same feature extractor \`${cx.id}\`.\n\n${rows.join('\n')}`;
}
