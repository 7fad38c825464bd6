/**
 * `dgm train <model>`: the common flags of every training run, then the model's run, found in the family registry (families/registry.ts).
 * Exit codes: 0 finished (or stopped early), 130 interrupted (checkpoint saved; the message says how to resume),
 * 1 on errors and when a loss became NaN/infinite.
 */
import * as path from 'path';
import { parseSeed } from '../../runtime/core/checks';
import { FAMILY_TYPES } from '../../runtime/core/card';
import { Command, InvalidArgumentError, Option } from 'commander';
import { BACKEND_CHOICES, initBackend, parseBackendChoice, shutdownBackend } from '../../training/backend';
import type { ProgressMode } from '../../training/harness/progress';
import type { RunDefinition, TrainFlags } from '../../training/harness/runs';
import * as registry from '../../families/registry';
import { lockRunDir } from '../../training/harness/run-lock';
import { findServer, runPageUrl } from '../../runtime/serve-discovery';

function seedArg(v: string): number {
  try {
    return parseSeed(v, '--seed');
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function positiveInt(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${flag} expects a positive integer, got '${v}'`);
    return n;
  };
}

function keyValue(v: string, acc: Record<string, string> | undefined): Record<string, string> {
  const i = v.indexOf('=');
  if (i <= 0) throw new InvalidArgumentError(`--set expects key=value, got '${v}'`);
  return { ...acc, [v.slice(0, i)]: v.slice(i + 1) };
}

interface TrainOpts {
  backend: string;
  threads?: number;
  epochs?: number;
  steps?: number;
  batch?: number;
  seed: number;
  resume?: boolean;
  fresh?: boolean;
  name?: string;
  runDir?: string;
  data?: string;
  checkpointEvery?: number;
  logEvery?: number;
  set?: Record<string, string>;
  progress: ProgressMode;
  list?: boolean;
  names?: boolean;
  ships?: string;
  type?: string;
}

/** Where `dgm train` finds its runs: the family registry (tests pass their own). */
export interface RunSource {
  listRuns(): (RunDefinition & { family?: { name: string; type?: string } })[];
  getRun(name: string): RunDefinition;
}

/** The command that continues this run: the same arguments, --fresh dropped, --resume added. */
function resumeCommand(argv: readonly string[]): string {
  const args = argv.filter((a) => a !== '--fresh' && a !== '--resume');
  const quoted = args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`));
  return ['dgm', ...quoted, '--resume'].join(' ');
}

export function registerTrain(program: Command, runs: RunSource = registry): void {
  program
    .command('train')
    .description('train a model (dgm train --list shows them); Ctrl-C saves a checkpoint, --resume continues')
    .argument('[model]', 'the model to train')
    .option('--list', 'list the trainable models (with their family)')
    .option('--names', 'with --list: only the model names, one per line (for scripts and the Makefile)')
    .addOption(new Option('--ships <weights>', 'with --list: only the models the runtime package ships, with these weights (make zoo)').choices(['float16', 'float32', 'any']))
    .addOption(new Option('--type <type>', 'with --list: only the models of this family type').choices([...FAMILY_TYPES]))
    .addOption(new Option('--backend <name>', 'tfjs backend').choices([...BACKEND_CHOICES]).default('auto'))
    .option('--threads <n>', 'wasm threads (default: the logical cores)', positiveInt('--threads'))
    .option('--epochs <n>', 'epochs to train (default: the model\'s)', positiveInt('--epochs'))
    .option('--steps <n>', 'total steps to train; overrides --epochs', positiveInt('--steps'))
    .option('--batch <n>', 'batch size (default: the model\'s)', positiveInt('--batch'))
    .option('--seed <n>', 'seed of weights, data order and noise: an integer in [0, 2^32)', seedArg, 0)
    .option('--resume', 'continue from the run folder\'s checkpoint.ckpt')
    .option('--fresh', 'start over, deleting the run folder\'s checkpoints and metrics')
    .option('--name <name>', 'run name: the folder under runs/ (default: the model name)')
    .option('--run-dir <dir>', 'run folder (default: runs/<name>)')
    .option('--data <dir>', 'dataset folder (default: the data module\'s discovery order)')
    .option('--checkpoint-every <n>', 'steps between checkpoints (also at each epoch end)', positiveInt('--checkpoint-every'))
    .option('--log-every <n>', 'steps per metrics record / progress line', positiveInt('--log-every'))
    .option('--set <key=value>', 'model setting (repeatable), e.g. --set lr=0.0005', keyValue)
    .addOption(new Option('--progress <mode>', 'progress display').choices(['auto', 'bar', 'lines', 'none']).default('auto'))
    .action(async (model: string | undefined, opts: TrainOpts) => {
      if (opts.list || !model) {
        if ((opts.ships || opts.type) && !opts.list) throw new Error('--ships and --type filter --list: add --list');
        const list = runs.listRuns().filter((r) =>
          (!opts.ships || (opts.ships === 'any' ? r.ships !== undefined : r.ships === opts.ships)) && (!opts.type || r.family?.type === opts.type));
        if (opts.names) {
          for (const r of list) console.log(r.name);
          return;
        }
        console.log(list.length ? 'trainable models:' : 'no trainable models are registered yet');
        for (const r of list) console.log(`  ${r.name.padEnd(14)} ${r.family ? `[${r.family.name}] `.padEnd(13) : ''}${r.description}`);
        if (!opts.list && !model) process.exitCode = 1;
        return;
      }
      const run = runs.getRun(model); // fails before the backend starts when the name is wrong
      if (opts.resume && opts.fresh) throw new Error('--resume and --fresh exclude each other');
      const name = opts.name ?? model;
      if (!/^[\w.-]+$/.test(name)) throw new Error(`--name ${JSON.stringify(name)}: use letters, digits, '.', '_' and '-'`);
      const backend = await initBackend({ backend: parseBackendChoice(opts.backend), threads: opts.threads });
      try {
        const flags: TrainFlags = {
          model,
          name,
          runDir: path.resolve(opts.runDir ?? path.join('runs', name)),
          epochs: opts.epochs,
          steps: opts.steps,
          batch: opts.batch,
          seed: opts.seed,
          resume: !!opts.resume,
          fresh: !!opts.fresh,
          data: opts.data,
          checkpointEvery: opts.checkpointEvery,
          logEvery: opts.logEvery,
          set: opts.set ?? {},
          backend,
          progress: opts.progress,
          resumeCommand: resumeCommand(process.argv.slice(2)),
        };
        const lock = lockRunDir(flags.runDir);
        for (const f of lock.removed) console.error(`removed ${path.join(flags.runDir, f)} (left by an interrupted write)`);
        const page = await findServer(path.dirname(flags.runDir));
        if (page) console.log(`dgm serve is up: watch this run at ${runPageUrl(page, path.basename(flags.runDir))}`);
        let result;
        try {
          result = await run.train(flags);
        } catch (err) {
          lock();
          lock.discardIfUnused(); // a run that failed before writing anything leaves no folder behind
          throw err;
        } finally {
          lock();
        }
        if (result.status === 'diverged') {
          console.error(result.message);
          process.exitCode = 1;
        } else {
          console.log(result.message);
          if (result.status === 'interrupted') process.exitCode = 130;
        }
      } finally {
        await shutdownBackend();
      }
    });
}
