/**
 * `dgm ship <model...>`: copies exported models into the runtime package (runtime/models/<name>/: the files an app
 * loads and card.json) and rewrites runtime/models/index.json with sizes, sha256 and the figures of an eval report
 * of those very files (`--eval reports/eval.json`). `make zoo` runs it after training and exporting.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Command } from 'commander';
import { shipModels } from '../../export/ship';
import type { EvalReport } from '../../eval/run-eval';

export function registerShip(program: Command): void {
  program
    .command('ship')
    .description('copy exported models into the runtime package (runtime/models/) and rewrite its index.json')
    .argument('<models...>', 'exported model names under --models-dir')
    .option('--models-dir <dir>', 'where the exported models are', 'models')
    .option('--out <dir>', "the runtime package's models folder", path.join('runtime', 'models'))
    .option('--eval <file>', 'eval.json of these files: its figures go into the index')
    .action((models: string[], opts: { modelsDir: string; out: string; eval?: string }) => {
      let evalReport: EvalReport | undefined;
      if (opts.eval) {
        if (!fs.existsSync(opts.eval)) throw new Error(`--eval ${opts.eval}: no such file (dgm eval writes reports/eval.json)`);
        evalReport = JSON.parse(fs.readFileSync(opts.eval, 'utf8')) as EvalReport;
      }
      fs.mkdirSync(opts.out, { recursive: true });
      const { index, sameGraphs } = shipModels(models, { modelsDir: opts.modelsDir, outDir: opts.out, evalReport });
      let total = 0;
      for (const m of index.models) {
        const bytes = m.files.reduce((a, f) => a + f.bytes, 0);
        total += bytes;
        const figures = Object.entries(m.figures).map(([k, v]) => `${k} ${v}`).join(', ');
        const same = sameGraphs[m.name];
        const repro = same === undefined ? '' : same ? '  graphs byte-identical to the ones replaced' : '  graphs DIFFER from the ones replaced';
        console.log(`${m.name.padEnd(12)} ${m.weights.padEnd(8)} ${(bytes / 2 ** 20).toFixed(2).padStart(6)} MiB  ${m.files.map((f) => f.file).join(', ')}${figures ? `  (${figures})` : ''}${repro}`);
      }
      console.log(`${index.models.length} models, ${(total / 2 ** 20).toFixed(2)} MiB in ${opts.out}/`);
    });
}
