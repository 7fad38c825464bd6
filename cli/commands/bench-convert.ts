/** `dgm bench convert`: speed of a converted MobileNet-style net, onnxruntime-node vs tfjs wasm (eval/bench/convert-bench.ts). */
import { Command, InvalidArgumentError } from 'commander';
import { defaultThreads } from '../../training/backend';
import { runConvertBench, writeConvertBench } from '../../eval/bench/convert-bench';
import { benchCommand } from './bench';

const ints = (flag: string) => (v: string): number[] => {
  const xs = v.split(',').map(Number);
  if (xs.some((x) => !Number.isInteger(x) || x < 1)) throw new InvalidArgumentError(`${flag} expects positive integers separated by commas, got '${v}'`);
  return xs;
};
const int = (flag: string) => (v: string): number => ints(flag)(v)[0];

export function registerBenchConvert(program: Command): void {
  benchCommand(program)
    .command('convert')
    .description('a MobileNet-style tfjs-layers net converted by dgm convert: images/s on onnxruntime-node vs tfjs wasm -> reports/bench-convert.{json,md}')
    .option('--size <n>', 'input size (square, 3 channels)', int('--size'), 96)
    .option('--widths <list>', 'channels of the stem and each block', ints('--widths'), [16, 32, 64, 128, 256])
    .option('--batches <list>', 'batch sizes', ints('--batches'), [1, 64])
    .option('--ort-threads <list>', 'onnxruntime-node intra-op threads per row', ints('--ort-threads'), [1, 2])
    .option('--wasm-threads <n>', 'tfjs wasm threads', int('--wasm-threads'), defaultThreads())
    .option('--reps <n>', 'timed calls per row (median, min, max)', int('--reps'), 10)
    .option('--warmup <n>', 'warm-up calls per row', int('--warmup'), 2)
    .option('--budget <seconds>', 'stop a row after this long (at least 3 calls)', int('--budget'), 10)
    .option('--out <dir>', 'where bench-convert.json and .md go', 'reports')
    .action(async (o: { size: number; widths: number[]; batches: number[]; ortThreads: number[]; wasmThreads: number; reps: number; warmup: number; budget: number; out: string }) => {
      const r = await runConvertBench({ model: { size: o.size, widths: o.widths, classes: 10 }, batches: o.batches, ortThreads: o.ortThreads, wasmThreads: o.wasmThreads, reps: o.reps, warmup: o.warmup, budgetMs: o.budget * 1000 });
      console.log(writeConvertBench(r, o.out));
    });
}
