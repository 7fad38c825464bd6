/**
 * What a training recipe is: `dgm train <run>` parses the common flags (TrainFlags), starts the backend and calls
 * the run's `train`, which builds its model and calls runTraining; the CLI prints the result's message and turns its
 * status into the exit code. Each family lists its runs (families/<family>/index.ts, `runs`); the family registry
 * (families/registry.ts) answers `dgm train --list` and the lookups by run name.
 */
import type { ProgressMode } from './progress';
import type { TrainingResult } from './loop';

export interface TrainFlags {
  /** The registered model name (the <model> argument). */
  model: string;
  /** Run name (--name, default the model name) and its folder (--run-dir, default runs/<name>). */
  name: string;
  runDir: string;
  /** Undefined when not given: the run applies its own default. `steps`, when given, overrides `epochs`. */
  epochs?: number;
  steps?: number;
  batch?: number;
  seed: number;
  resume: boolean;
  /** Start over: runTraining deletes the folder's checkpoints and metrics. */
  fresh: boolean;
  /** --data: dataset folder (Fashion-MNIST); undefined means the data module's discovery order. */
  data?: string;
  checkpointEvery?: number;
  logEvery?: number;
  /** Run-specific settings from repeated --set key=value; read them with readSettings so unknown keys fail. */
  set: Record<string, string>;
  /** The tfjs backend in use (initBackend's answer). */
  backend: string;
  progress: ProgressMode;
  /** Stop as if interrupted after this many steps (pass it to runTraining as stopAfterSteps; tests of resume). */
  stopAfterSteps?: number;
  /** The command line that resumes this run; pass it to runTraining as resumeCommand. */
  resumeCommand: string;
}

export interface RunDefinition {
  name: string;
  /** One line for `dgm train --list`. */
  description: string;
  train(flags: TrainFlags): Promise<TrainingResult>;
  /** The runtime package ships this run's model (`make zoo` trains, exports and copies it into runtime/models/), with
   *  these weights: 'float16' halves the bytes where the eval figures stay put (docs/zoo.md), 'float32' otherwise. */
  ships?: 'float16' | 'float32';
}

export type SettingValue = number | string | boolean;

/** A bound on a numeric --set value, checked with the setting's own name so errors use the flag's words. */
export type SettingRule = 'int>=1' | 'int>=0' | '>0' | '>=0';
const RULE_TEXT: Record<SettingRule, string> = { 'int>=1': 'an integer >= 1', 'int>=0': 'an integer >= 0', '>0': 'a number > 0', '>=0': 'a number >= 0' };

function meets(v: number, rule: SettingRule): boolean {
  if (rule === 'int>=1') return Number.isInteger(v) && v >= 1;
  if (rule === 'int>=0') return Number.isInteger(v) && v >= 0;
  return rule === '>0' ? v > 0 : v >= 0;
}

/**
 * Run-specific --set values typed by the defaults: `readSettings(flags.set, { lr: 1e-3, hidden: 512 })` gives
 * { lr, hidden } as numbers, with an error for an unknown key or a value of the wrong type, and for a value outside
 * its `rules` bound (e.g. { hidden: 'int>=1' }), named as the user wrote it rather than by the network's config field.
 */
export function readSettings<T extends Record<string, SettingValue>>(set: Record<string, string>, defaults: T, rules: Partial<Record<keyof T, SettingRule>> = {}): T {
  const out: Record<string, SettingValue> = { ...defaults };
  for (const [key, raw] of Object.entries(set)) {
    if (!(key in defaults)) {
      throw new Error(`--set ${key}: unknown setting; this model has ${Object.keys(defaults).map((k) => `${k} (default ${defaults[k]})`).join(', ') || 'none'}`);
    }
    const d = defaults[key];
    if (typeof d === 'number') {
      const v = Number(raw);
      const rule = rules[key as keyof T];
      if (raw.trim() === '' || !Number.isFinite(v)) throw new Error(`--set ${key}=${raw}: expected a finite number${rule ? ` (${RULE_TEXT[rule]})` : ''}${Number.isNaN(v) || raw.trim() === '' ? '' : `, got ${v}`}`);
      if (rule && !meets(v, rule)) throw new Error(`--set ${key}=${raw}: expected ${RULE_TEXT[rule]}`);
      out[key] = v;
    } else if (typeof d === 'boolean') {
      if (raw !== 'true' && raw !== 'false') throw new Error(`--set ${key}=${raw}: expected true or false`);
      out[key] = raw === 'true';
    } else {
      out[key] = raw;
    }
  }
  return out as T;
}
