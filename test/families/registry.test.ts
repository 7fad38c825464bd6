/**
 * The family registry's lookups over the registered families, and the checks it makes of a family table: unique
 * family names, unique run names, one owner per checkpoint kind, a contract run and bench workloads that are runs;
 * the runs marked `ships` are the runtime package's models.
 */
import { checkFamilies, families, familyOfKind, findRun, getFamily, getRun, knownKinds, listRuns, runsOfType } from '../../families/registry';
import type { Family } from '../../families/family';
import * as fs from 'fs';
import * as path from 'path';
import { projectRoot } from '../../runtime/paths';

function fake(name: string, runs: string[], extra: Partial<Family> = {}): Family {
  return {
    name,
    type: 'flow',
    description: name,
    runs: runs.map((r) => ({ name: r, description: r, train: async () => { throw new Error('not trained in this test'); } })),
    exportJob: async () => { throw new Error('not exported in this test'); },
    contract: { run: runs[0], load: () => { throw new Error('not loaded in this test'); } },
    ...extra,
  };
}

describe('the registered families', () => {
  test('every run belongs to exactly one family, found by its name', () => {
    const runs = listRuns();
    expect(runs.length).toBeGreaterThan(0);
    expect(new Set(runs.map((r) => r.name)).size).toBe(runs.length);
    for (const r of runs) {
      expect(getRun(r.name).family).toBe(r.family);
      expect(r.family.runs.map((x) => x.name)).toContain(r.name);
    }
    expect([...runs.map((r) => r.name)]).toEqual([...runs.map((r) => r.name)].sort());
  });

  test('a family is found by its name and by every kind it reads', () => {
    for (const f of families()) {
      expect(getFamily(f.name)).toBe(f);
      for (const k of [f.name, ...(f.legacyKinds ?? [])]) expect(familyOfKind(k)).toBe(f);
    }
    expect(knownKinds().length).toBe(families().reduce((s, f) => s + 1 + (f.legacyKinds?.length ?? 0), 0));
    expect(familyOfKind('vae')).toBeNull();
  });

  test('runs by type are the runs of the families of that type', () => {
    for (const type of ['flow', 'gan', 'classifier'] as const) {
      expect(runsOfType(type).map((r) => r.name)).toEqual(listRuns().filter((r) => r.family.type === type).map((r) => r.name));
    }
  });

  test("the runs that say they ship are the runtime package's models, with those weights (make zoo reads `ships`)", () => {
    const index = JSON.parse(fs.readFileSync(path.join(projectRoot(), 'runtime', 'models', 'index.json'), 'utf8')) as { models: { name: string; family: string; weights: string }[] };
    const shipped = index.models.map((m) => [m.name, m.weights]).sort();
    const declared = listRuns().filter((r) => r.ships !== undefined).map((r) => [r.name, r.ships]).sort();
    expect(declared.length).toBeGreaterThan(0);
    expect(shipped).toEqual(declared);
    for (const m of index.models) expect(getRun(m.name).family.name).toBe(m.family);
  });

  test('unknown names are refused with the known ones', () => {
    expect(findRun('nope')).toBeNull();
    expect(() => getRun('nope')).toThrow(new RegExp(`unknown model "nope"; trainable models: ${listRuns().map((r) => r.name).join(', ')}`));
    expect(() => getFamily('nope')).toThrow(/unknown model family "nope"; families: /);
  });
});

describe('checks of a family table', () => {
  test('a valid table passes', () => {
    expect(() => checkFamilies([fake('a', ['a-1']), fake('b', ['b-1', 'b-2'], { legacyKinds: ['old-b'] })])).not.toThrow();
  });
  test.each<[string, Family[], RegExp]>([
    ['two families of one name', [fake('a', ['a-1']), fake('a', ['a-2'])], /two families are named a/],
    ['one run in two families', [fake('a', ['x']), fake('b', ['x'])], /run x is registered by families a and b/],
    ['one kind claimed twice', [fake('a', ['a-1']), fake('b', ['b-1'], { legacyKinds: ['a'] })], /checkpoint kind "a" is claimed by families a and b/],
    ['a bad name', [fake('A b', ['a-1'])], /family name "A b" must be lower-case/],
    ['a contract run that is not a run', [fake('a', ['a-1'], { contract: { run: 'zzz', load: () => { throw new Error('x'); } } })], /contract run "zzz" is not one of its runs/],
    ['a bench workload of no run', [fake('a', ['a-1'], { bench: { zzz: { workload: () => { throw new Error('x'); } } } })], /bench workload "zzz" is not one of its runs/],
  ])('%s is refused', (_what, list, message) => {
    expect(() => checkFamilies(list)).toThrow(message);
  });
});
