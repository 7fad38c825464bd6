/**
 * Lookups over the registered families (families/index.ts): by family name (= checkpoint kind, also the kinds older
 * code wrote), by run name, and the list of runs. Every caller outside families/ asks here instead of keeping a list
 * of model names. The table is checked once, on first use: names unique, run names unique across families.
 */
import type { RunDefinition } from '../training/harness/runs';
import type { Family, FamilyType, TrainingBench } from './family';
import { FAMILIES } from './index';

export interface RegisteredRun extends RunDefinition {
  family: Family;
}

const NAME = /^[a-z0-9][a-z0-9-]*$/;
let table: { families: Map<string, Family>; kinds: Map<string, Family>; runs: Map<string, RegisteredRun> } | null = null;

function build(list: readonly Family[]): NonNullable<typeof table> {
  const families = new Map<string, Family>();
  const kinds = new Map<string, Family>();
  const runs = new Map<string, RegisteredRun>();
  for (const f of list) {
    if (!NAME.test(f.name)) throw new Error(`family name ${JSON.stringify(f.name)} must be lower-case letters, digits and dashes`);
    if (families.has(f.name)) throw new Error(`two families are named ${f.name}`);
    families.set(f.name, f);
    for (const k of [f.name, ...(f.legacyKinds ?? [])]) {
      const other = kinds.get(k);
      if (other) throw new Error(`checkpoint kind ${JSON.stringify(k)} is claimed by families ${other.name} and ${f.name}`);
      kinds.set(k, f);
    }
    for (const r of f.runs) {
      if (!NAME.test(r.name)) throw new Error(`family ${f.name}: run name ${JSON.stringify(r.name)} must be lower-case letters, digits and dashes`);
      const other = runs.get(r.name);
      if (other) throw new Error(`run ${r.name} is registered by families ${other.family.name} and ${f.name}`);
      runs.set(r.name, { ...r, family: f });
    }
    if (!f.runs.some((r) => r.name === f.contract.run)) throw new Error(`family ${f.name}: contract run ${JSON.stringify(f.contract.run)} is not one of its runs`);
    for (const run of Object.keys(f.bench ?? {})) {
      if (!f.runs.some((r) => r.name === run)) throw new Error(`family ${f.name}: bench workload ${JSON.stringify(run)} is not one of its runs`);
    }
  }
  return { families, kinds, runs };
}

function get(): NonNullable<typeof table> {
  if (!table) table = build(FAMILIES);
  return table;
}

/** Every registered family, in families/index.ts's order. */
export function families(): Family[] {
  return [...get().families.values()];
}

export function getFamily(name: string): Family {
  const f = get().families.get(name);
  if (!f) throw new Error(`unknown model family ${JSON.stringify(name)}; families: ${[...get().families.keys()].join(', ')}`);
  return f;
}

/** The family that reads checkpoints of `kind` (its name, or a kind older code wrote for it); null when none does. */
export function familyOfKind(kind: string): Family | null {
  return get().kinds.get(kind) ?? null;
}

/** Every checkpoint kind some family reads. */
export function knownKinds(): string[] {
  return [...get().kinds.keys()];
}

/** Every run of every family, sorted by name. */
export function listRuns(): RegisteredRun[] {
  return [...get().runs.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export function findRun(name: string): RegisteredRun | null {
  return get().runs.get(name) ?? null;
}

export function getRun(name: string): RegisteredRun {
  const r = findRun(name);
  if (!r) throw new Error(`unknown model ${JSON.stringify(name)}; trainable models: ${listRuns().map((x) => x.name).join(', ')}`);
  return r;
}

/** The runs of the families of one type (e.g. every flow run, for eval). */
export function runsOfType(type: FamilyType): RegisteredRun[] {
  return listRuns().filter((r) => r.family.type === type);
}

/** Every run with a training-step bench workload, sorted by run name. */
export function benchRuns(): { run: string; family: Family; bench: TrainingBench }[] {
  return listRuns().flatMap((r) => (r.family.bench?.[r.name] ? [{ run: r.name, family: r.family, bench: r.family.bench[r.name] }] : []));
}

/** Checks a family list the way the registry does (for tests of the checks and of families not in the list). */
export function checkFamilies(list: readonly Family[]): void {
  build(list);
}
