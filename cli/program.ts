/**
 * The `dgm` program: every subcommand registered on one commander Command, and `runCli`, which runs a command
 * line in this process and returns its exit status instead of exiting. main.ts is its process entry; tests call
 * runCli directly (a process per case would cost ~1 s each).
 */
import { Command, CommanderError } from 'commander';
import { registerBench } from './commands/bench';
import { registerBenchConvert } from './commands/bench-convert';
import { registerBenchVerify } from './commands/bench-verify';
import { registerConvert } from './commands/convert';
import { registerData } from './commands/data';
import { registerEval } from './commands/eval';
import { registerExport } from './commands/export';
import { registerGpuCheck } from './commands/gpu-check';
import { registerLogprob } from './commands/logprob';
import { registerSample } from './commands/sample';
import { registerServe } from './commands/serve';
import { registerShip } from './commands/ship';
import { registerTrain } from './commands/train';

export interface CliOutput {
  out: (s: string) => void;
  err: (s: string) => void;
}

export function buildProgram(io?: CliOutput): Command {
  const program = new Command();
  program
    .name('dgm')
    .description('Deep generative models: train with TensorFlow.js, export to ONNX, sample with ONNX Runtime')
    .showHelpAfterError()
    .configureOutput({ outputError: (s, write) => write(`dgm: ${s}`), ...(io ? { writeOut: io.out, writeErr: io.err } : {}) });
  // (commands are registered here, one line each)
  registerBench(program);
  registerBenchConvert(program);
  registerBenchVerify(program);
  registerConvert(program);
  registerData(program);
  registerEval(program);
  registerExport(program);
  registerGpuCheck(program);
  registerLogprob(program);
  registerSample(program);
  registerServe(program);
  registerShip(program);
  registerTrain(program);
  return program;
}

/**
 * Runs `dgm <args>` here and returns its exit status: 0, the status a command set in process.exitCode (e.g. 130 for
 * an interrupted training), or 1 for an error, whose one line (`dgm: ...`) goes to `io.err`.
 */
export async function runCli(args: readonly string[], io: CliOutput = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) }): Promise<number> {
  const program = buildProgram(io);
  program.exitOverride();
  for (const c of program.commands) exitOverrideAll(c);
  const before = process.exitCode;
  process.exitCode = undefined;
  try {
    await program.parseAsync(['node', 'dgm', ...args]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    // Commander has printed its own message (bad flag, missing argument); help and --version exit 0.
    if (err instanceof CommanderError) return err.exitCode;
    // Expected failures (bad input, missing data) print one clear line; DGM_DEBUG=1 shows the stack.
    io.err(`dgm: ${err instanceof Error ? err.message : String(err)}\n`);
    if (process.env.DGM_DEBUG && err instanceof Error) io.err(`${err.stack}\n`);
    return 1;
  } finally {
    process.exitCode = before;
  }
}

function exitOverrideAll(c: Command): void {
  c.exitOverride();
  for (const sub of c.commands) exitOverrideAll(sub);
}
