/**
 * @jest-environment ./test/export/ort-environment.js
 *
 * Checkpoints and cards written by the code before the family registry (test/fixtures/legacy/, see its README) still
 * load: GAN checkpoints of kinds 'cgan' / 'wgan-gp' map to family 'gan' with the variant taken from them, a MAF run
 * folder exports as before, cards without `type` derive it from their family, and a card of an unknown family
 * without `type` is refused with the command that re-exports it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Random } from '../../runtime/core/random';
import { CardError, flowSpec, ganSpec, parseCard } from '../../runtime/core/card';
import { Flow } from '../../runtime/node';
import { paramsToTensors, readCheckpoint, writeCheckpoint } from '../../training/harness/checkpoint';
import { exportModel } from '../../export/export-model';
import { jobFromRun } from '../../export/from-run';
import { familyOfKind, getFamily } from '../../families/registry';
import { ganDefinition, initGanParams } from '../../families/gan/gan-nets';
import { ganNetConfigOf } from '../../families/gan/gan-export';
import { tmpDir, useCpu } from '../export/helpers';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'legacy');
const root = tmpDir('legacy');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
beforeAll(useCpu);

/** A run folder holding the fixture's header with freshly initialised tensors of the names its networks have. */
function ganRunFrom(fixture: string, name: string): string {
  const ck = readCheckpoint(path.join(FIXTURES, fixture));
  const def = ganDefinition(ganNetConfigOf(ck.config, fixture));
  const { gen, disc } = initGanParams(def, new Random(5));
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  writeCheckpoint(path.join(dir, 'checkpoint.ckpt'), { ...ck, tensors: paramsToTensors(new Map([...gen, ...disc])) });
  [...gen.values(), ...disc.values()].forEach((v) => v.dispose());
  return dir;
}

describe('GAN checkpoints of the variant kinds', () => {
  test.each([['cgan-checkpoint-header.ckpt', 'cgan'], ['wgan-gp-checkpoint-header.ckpt', 'wgan-gp']])('%s (kind %s) belongs to family gan', (fixture, kind) => {
    const ck = readCheckpoint(path.join(FIXTURES, fixture));
    expect(ck.kind).toBe(kind);
    expect(familyOfKind(kind)).toBe(getFamily('gan'));
  });

  test('a cgan checkpoint exports as family gan, variant cgan, type gan', async () => {
    const dir = ganRunFrom('cgan-checkpoint-header.ckpt', 'old-cgan');
    const rj = await jobFromRun(dir, { which: 'last', parityN: 8, noRealData: true, reference: 'tfjs cpu' });
    try {
      expect({ kind: rj.job.kind, family: rj.job.family, type: rj.job.type, variant: rj.job.variant }).toEqual({ kind: 'gan', family: 'gan', type: 'gan', variant: 'cgan' });
      const { card } = await exportModel(rj.job, path.join(root, 'models', 'old-cgan'), { checker: 'off', runtime: 'onnxruntime-node' });
      for (const c of card.parity.checks) expect(c.maxAbsError).toBeLessThanOrEqual(c.tolerance);
      const parsed = parseCard(fs.readFileSync(path.join(root, 'models', 'old-cgan', 'card.json'), 'utf8'), 'card.json');
      expect(parsed.variant).toBe('cgan');
      expect(ganSpec(parsed, 'card.json').numClasses).toBe(10);
    } finally {
      rj.dispose();
    }
  });

  test("a wgan-gp checkpoint's discriminator is described as a critic (from its config's loss)", async () => {
    const dir = ganRunFrom('wgan-gp-checkpoint-header.ckpt', 'old-wgan-gp');
    const rj = await jobFromRun(dir, { which: 'last', noRealData: true, reference: 'tfjs cpu' });
    try {
      expect(rj.job.variant).toBe('wgan-gp');
      const disc = rj.job.graphs.find((g) => g.built.role === 'discriminator')!;
      expect(disc.built.outputs.find((o) => o.name === 'logit')!.description).toMatch(/critic/);
      const gen = rj.job.graphs.find((g) => g.built.role === 'generator')!;
      expect(gen.built.outputs.find((o) => o.name === 'image')).toBeDefined();
    } finally {
      rj.dispose();
    }
  });
});

test("a MAF run folder of today's format exports and loads as a flow", async () => {
  const dir = path.join(root, 'old-maf');
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(FIXTURES, 'maf-moons-checkpoint.ckpt'), path.join(dir, 'checkpoint.ckpt'));
  fs.copyFileSync(path.join(FIXTURES, 'maf-moons-metrics.jsonl'), path.join(dir, 'metrics.jsonl'));
  const rj = await jobFromRun(dir, { parityN: 50, reference: 'tfjs cpu' });
  const out = path.join(root, 'models', 'old-maf');
  try {
    const { card } = await exportModel(rj.job, out, { checker: 'off', runtime: 'onnxruntime-node' });
    expect({ family: card.family, type: card.type, kind: card.kind }).toEqual({ family: 'maf', type: 'flow', kind: 'maf' });
    expect(card.training.step).toBe(3);
    for (const c of card.parity.checks) expect(c.maxAbsError).toBeLessThanOrEqual(c.tolerance);
  } finally {
    rj.dispose();
  }
  const flow = await Flow.load(out, { provider: 'cpu' });
  try {
    const r = await flow.logProb(new Float32Array([0, 0, 1, -1]));
    expect(Array.from(r.logProb).every(Number.isFinite)).toBe(true);
  } finally {
    await flow.release();
  }
});

describe('cards without a type', () => {
  const read = (f: string) => fs.readFileSync(path.join(FIXTURES, f), 'utf8');

  test('derive it from their family', () => {
    const maf = parseCard(read('maf-moons-card.json'), 'maf-moons-card.json');
    expect(JSON.parse(read('maf-moons-card.json')).type).toBeUndefined();
    expect([maf.family, maf.type]).toEqual(['maf', 'flow']);
    expect(flowSpec(maf, 'maf').dims).toBe(2);
    const cgan = parseCard(read('cgan-card.json'), 'cgan-card.json');
    expect([cgan.family, cgan.type, cgan.kind]).toEqual(['gan', 'gan', 'cgan']);
    expect(ganSpec(cgan, 'cgan').numClasses).toBe(10);
  });

  test('of an unknown family are refused, saying how to re-export', () => {
    const card = { ...JSON.parse(read('maf-moons-card.json')), family: 'realnvp' };
    expect(() => parseCard(JSON.stringify(card), 'x.onnx')).toThrow(CardError);
    expect(() => parseCard(JSON.stringify(card), 'x.onnx')).toThrow(/x\.onnx: model card of family "realnvp" has no "type".*dgm export <run>/);
  });

  test('a new flow family with type flow loads as a flow; a wrong type is refused', () => {
    const card = { ...JSON.parse(read('maf-moons-card.json')), family: 'realnvp', type: 'flow' };
    expect(flowSpec(parseCard(JSON.stringify(card), 'x'), 'x').dims).toBe(2);
    expect(() => ganSpec(parseCard(JSON.stringify(card), 'x'), 'x')).toThrow(/not a GAN: load it as a Flow/);
    expect(() => parseCard(JSON.stringify({ ...card, type: 'vae' }), 'x')).toThrow(/"type" must be one of flow, gan, classifier/);
  });
});
