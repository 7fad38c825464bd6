/**
 * @jest-environment ./test/export/ort-environment.js
 *
 * The parity suite on trained, exported models (what `make demo` prints): DGM_PARITY_MODELS is a comma-separated
 * list of model folders (models/<name>). The tfjs reference is rebuilt from the checkpoint the card names. Flows are
 * scored on their own samples and, for the moons, on the data's test points (not on N(0, I) draws: a trained flow
 * can overflow far from its data). Without DGM_PARITY_MODELS (as in `make test`) the suite is skipped: the
 * fixture suite (parity.test.ts) covers every runtime there.
 */
import * as fs from 'fs';
import * as path from 'path';
import { readModelCard } from '../../runtime/node';
import { projectRoot } from '../../runtime/paths';
import { Random } from '../../runtime/core/random';
import { flowSpec } from '../../runtime/core/card';
import { divergenceBound } from '../../runtime/core/flow';
import { ganNetConfigOf } from '../../families/gan/gan-export';
import { makeMoons } from '../../training/data/moons';
import { writeFileAtomic } from '../../training/harness/atomic-write';
import { loadParams, readCheckpoint } from '../../training/harness/checkpoint';
import { ganDefinition, initGanParams } from '../../families/gan/gan-nets';
import { initMafParams } from '../../families/maf/maf';
import { mafDefinitionFromRunConfig } from '../../families/maf/maf-common';
import { useTfCpu } from '../runtime/fixtures';
import { ganCases, mafCases, ParityCase, realnvpCases } from './cases';
import { initRealNvpParams, realnvpDefinitionFromRunConfig } from '../../families/realnvp/definition';
import { runParity } from './run';
import { boundedPairErrors, pairErrors, parityMarkdown } from './table';

export const MODELS_PARITY_REPORT = path.join(projectRoot(), 'reports', 'parity-models.md');

const dirs = (process.env.DGM_PARITY_MODELS ?? '').split(',').map((s) => s.trim()).filter(Boolean);

(dirs.length ? describe : describe.skip)('parity across runtimes on exported models (DGM_PARITY_MODELS)', () => {
  const cases: ParityCase[] = [];
  /** Models whose files store float16 weights: tfjs (float32 weights) is then a measured deviation, not a bound. */
  const float16 = new Set<string>();

  beforeAll(async () => {
    await useTfCpu();
    for (const dir of dirs) {
      const card = readModelCard(dir);
      const ckFile = card.training?.checkpoint ?? '(none)';
      if (!fs.existsSync(ckFile)) throw new Error(`${dir}: its checkpoint ${ckFile} (from the card) is not here; run from the folder it was exported in`);
      const ck = readCheckpoint(ckFile);
      if ((card as { weights?: string }).weights === 'float16') float16.add(card.name);
      if (card.family === 'gan') {
        const def = ganDefinition(ganNetConfigOf(ck.config, ckFile));
        const { gen, disc } = initGanParams(def, new Random(0));
        loadParams(new Map([...gen, ...disc]), ck.tensors, ckFile);
        // A shipped folder holds the generator alone (runtime/models): its discriminator case is left out.
        cases.push(...ganCases(card.name, dir, def, gen, disc).filter((c) => c.job.kind !== 'raw' || fs.existsSync(path.join(dir, c.job.file))));
        [...gen.values(), ...disc.values()].forEach((v) => v.dispose());
      } else if (card.family === 'maf' || card.family === 'realnvp') {
        const maf = card.family === 'maf';
        const def = maf ? mafDefinitionFromRunConfig(ck.config) : realnvpDefinitionFromRunConfig(ck.config);
        const params = maf ? initMafParams(def as ReturnType<typeof mafDefinitionFromRunConfig>, new Random(0)) : initRealNvpParams(def as ReturnType<typeof realnvpDefinitionFromRunConfig>, new Random(0));
        loadParams(params, ck.tensors, ckFile);
        const data = (card.data?.details ?? {}) as { dataset?: string; seed?: number; n?: number };
        let extra: { rows: Float32Array; what: string } = { rows: new Float32Array(0), what: 'no other rows' };
        if (data.dataset === 'moons') extra = { rows: makeMoons({ seed: data.seed, n: data.n }).test.slice(0, 16), what: '8 two-moons test points (standardized, as trained)' };
        const bound = divergenceBound(flowSpec(card, dir).transform);
        cases.push(...(maf ? mafCases(card.name, dir, def as ReturnType<typeof mafDefinitionFromRunConfig>, params, 8, extra, bound) : realnvpCases(card.name, dir, def as ReturnType<typeof realnvpDefinitionFromRunConfig>, params, 8, extra, bound)));
        params.forEach((v) => v.dispose());
      } else {
        throw new Error(`${dir}: a ${card.family} model; the parity suite covers GANs and flows`);
      }
    }
  }, 900_000);

  test('every pair of runtimes agrees within the bounds', async () => {
    const run = await runParity(cases);
    for (const row of run.rows.filter((r) => float16.has(r.model))) row.unbounded = { runtimes: ['tfjs'], why: "the file stores float16 weights, tfjs runs the checkpoint's float32 ones" };
    const table = parityMarkdown(run.rows);
    writeFileAtomic(MODELS_PARITY_REPORT, `# Parity across runtimes on exported models (${dirs.join(', ')})\n\n${table}\n${run.timing}\n`);
    console.log(`parity (also in ${path.relative(process.cwd(), MODELS_PARITY_REPORT)}):\n${table}\n${run.timing}`);
    for (const row of run.rows.filter((r) => r.unbounded)) {
      const worst = Math.max(...pairErrors(row).filter((p) => p.a === 'tfjs' || p.b === 'tfjs').map((p) => p.err));
      console.log(`${row.model} ${row.output}: float16 weights vs tfjs's float32: max |diff| ${worst.toExponential(2)} (measured, not bounded)`);
    }
    const failures = run.rows.flatMap((row) => boundedPairErrors(row).filter((p) => !(p.err <= row.tolerance)).map((p) => `${row.model} ${row.output}: ${p.a} vs ${p.b} ${p.err} > ${row.tolerance}`));
    expect(failures).toEqual([]);
  }, 1_800_000);
});
