/** `dgm gpu-check`: the GPU paths this machine has, their speed beside the CPU's and their parity (eval/gpu-check.ts). */
import * as path from 'path';
import { Command, InvalidArgumentError } from 'commander';
import { runGpuCheck } from '../../eval/gpu-check';

export function registerGpuCheck(program: Command): void {
  program
    .command('gpu-check')
    .description('report GPU adapters and drivers, time training and inference on the GPU paths beside the CPU ones (reports/gpu.md, gpu.json)')
    .option('--out <dir>', 'report folder', 'reports')
    .option('--row-budget <s>', 'seconds of timing per row at most (after one step or call)', (v: string) => {
      const n = Number(v);
      if (!(n > 0)) throw new InvalidArgumentError(`--row-budget expects a positive number of seconds, got '${v}'`);
      return n;
    }, 20)
    .action(async (opts: { out: string; rowBudget: number }) => {
      const r = await runGpuCheck({ outDir: path.resolve(opts.out), rowBudgetS: opts.rowBudget, log: (l) => console.error(l) });
      console.log(`gpu-check: ${r.gpuFigures ? 'GPU figures' : 'NOT GPU figures (software adapter only)'}; wrote ${path.join(opts.out, 'gpu.md')} and gpu.json in ${r.seconds.toFixed(0)} s`);
      process.exit(0);
    });
}
