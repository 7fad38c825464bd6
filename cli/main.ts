/**
 * `dgm`: one command line for the whole pipeline. Each subcommand lives in cli/commands/<name>.ts and only parses
 * flags and calls the modules under training/, export/ and runtime/.
 */
import { Command } from 'commander';
import { registerBench } from './commands/bench';
import { registerData } from './commands/data';
import { registerEval } from './commands/eval';
import { registerExport } from './commands/export';
import { registerGpuCheck } from './commands/gpu-check';
import { registerLogprob } from './commands/logprob';
import { registerSample } from './commands/sample';
import { registerServe } from './commands/serve';
import { registerTrain } from './commands/train';

const program = new Command();
program
  .name('dgm')
  .description('Deep generative models: train with TensorFlow.js, export to ONNX, sample with ONNX Runtime')
  .showHelpAfterError()
  .configureOutput({ outputError: (s, write) => write(`dgm: ${s}`) });

// (commands are registered here, one line each)
registerBench(program);
registerData(program);
registerEval(program);
registerExport(program);
registerGpuCheck(program);
registerLogprob(program);
registerSample(program);
registerServe(program);
registerTrain(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  // Expected failures (bad input, missing data) print one clear line; DGM_DEBUG=1 shows the stack.
  const msg = err instanceof Error ? err.message : String(err);
  console.error(`dgm: ${msg}`);
  if (process.env.DGM_DEBUG && err instanceof Error) console.error(err.stack);
  process.exit(1);
});
