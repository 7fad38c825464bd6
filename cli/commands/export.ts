/**
 * `dgm export [run...]`: every named run (default: every run folder under runs/ with a checkpoint) to
 * models/<name>/ (ONNX files + card.json), each validated against tfjs in onnxruntime-node before it is written,
 * then a table of what was written: model, file, size, parity max |error|.
 * Exit code 1 when any run failed (the others are still exported).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { Command, InvalidArgumentError, Option } from 'commander';
import { SingleBar } from 'cli-progress';
import { BACKEND_CHOICES, initBackend, parseBackendChoice, shutdownBackend } from '../../training/backend';
import { CheckerMode, ExportResult, exportModel } from '../../export/export-model';
import { findRuns, jobFromRun, runCheckpointFile } from '../../export/from-run';
import { exportTable } from '../../export/report';

interface ExportOpts {
  runsDir: string;
  out: string;
  checkpoint: 'best' | 'last';
  parityN: number;
  data?: string;
  realData: boolean;
  checker: CheckerMode;
  backend: string;
  threads?: number;
  weights: 'float32' | 'float16';
}

function positiveInt(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${flag} expects a positive integer, got '${v}'`);
    return n;
  };
}

/** A run argument is a folder path, or a run name under --runs-dir. */
function resolveRun(arg: string, runsDir: string): string {
  const candidates = [arg, path.join(runsDir, arg)];
  const dir = candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isDirectory());
  if (!dir) throw new Error(`run ${JSON.stringify(arg)}: no folder ${candidates.join(' or ')} (dgm train <model> makes runs/<model>)`);
  if (!runCheckpointFile(dir)) throw new Error(`run ${dir}: no checkpoint yet (train it first)`);
  return dir;
}

function ortVersion(): string {
  try {
    return `onnxruntime-node ${(require('onnxruntime-node/package.json') as { version: string }).version} (cpu)`;
  } catch {
    return 'onnxruntime-node';
  }
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('export trained runs to ONNX (models/<name>/), each checked against tfjs in onnxruntime-node')
    .argument('[runs...]', 'run names under --runs-dir or run folders (default: every run with a checkpoint)')
    .option('--runs-dir <dir>', 'where the runs are', 'runs')
    .option('--out <dir>', 'where models/<name>/ folders go', 'models')
    .addOption(new Option('--checkpoint <which>', 'best.ckpt when the run has one, or the last checkpoint').choices(['best', 'last']).default('best'))
    .option('--parity-n <n>', 'random inputs per parity check', positiveInt('--parity-n'), 1000)
    .option('--data <dir>', 'Fashion-MNIST folder for the real-data checks (default: discovery order)')
    .option('--no-real-data', 'skip the parity checks on real data')
    .addOption(new Option('--checker <mode>', 'the reference ONNX checker (python3-onnx): auto runs it when installed').choices(['auto', 'require', 'off']).default('auto'))
    .addOption(new Option('--backend <name>', 'tfjs backend of the parity reference').choices([...BACKEND_CHOICES]).default('auto'))
    .option('--threads <n>', 'wasm threads', positiveInt('--threads'))
    .addOption(new Option('--weights <dtype>', 'how the files store the weights (float16: half the size, computed in float32)').choices(['float32', 'float16']).default('float32'))
    .action(async (runs: string[], opts: ExportOpts) => {
      const dirs = runs.length ? runs.map((r) => resolveRun(r, opts.runsDir)) : findRuns(opts.runsDir);
      if (dirs.length === 0) {
        console.log(`no trained runs under ${opts.runsDir}/ (dgm train <model> makes one); nothing to export`);
        return;
      }
      const backend = await initBackend({ backend: parseBackendChoice(opts.backend), threads: opts.threads });
      const reference = `tfjs-core ${tf.version_core} (${backend} backend)`;
      const runtime = ortVersion();
      const results: ExportResult[] = [];
      const failures: string[] = [];
      const bar = process.stderr.isTTY ? new SingleBar({ format: 'export {bar} {value}/{total} | {run}: {stage}', hideCursor: true }) : null;
      const stage = (run: string, s: string) => (bar ? bar.update({ run, stage: s }) : console.error(`export ${run}: ${s}`));
      bar?.start(dirs.length, 0, { run: '', stage: '' });
      try {
        for (const dir of dirs) {
          const name = path.basename(path.resolve(dir));
          let job;
          try {
            stage(name, 'reading checkpoint, building graphs');
            job = await jobFromRun(dir, { which: opts.checkpoint, parityN: opts.parityN, dataDir: opts.data, noRealData: !opts.realData, reference, weights: opts.weights });
            stage(name, `parity with tfjs on ${opts.parityN} inputs${opts.realData ? ' + real data' : ''}, checker, writing`);
            const res = await exportModel(job.job, path.join(opts.out, name), { checker: opts.checker, runtime });
            results.push(res);
            for (const n of job.notes) console.error(`export ${name}: note: ${n}`);
          } catch (e) {
            failures.push(`${name}: ${(e as Error).message}`);
          } finally {
            job?.dispose();
            bar?.increment();
          }
        }
      } finally {
        bar?.stop();
        await shutdownBackend();
      }
      if (results.length) console.log(exportTable(results));
      for (const f of failures) console.error(`dgm export: FAILED ${f}`);
      if (failures.length) process.exitCode = 1;
    });
}
