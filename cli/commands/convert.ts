/**
 * `dgm convert <model.json> --out <model.onnx>`: a model saved by tfjs-layers (model.save('file://dir')) to ONNX,
 * checked against tfjs-layers' own predict (cpu backend) in onnxruntime-node and by the reference ONNX checker
 * before the file is written (atomically; an existing non-regular file is never replaced). Prints the report with
 * the parity of every output; a failed check prints it too and writes nothing.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ConvertCheckError, convertLayersModel, formatReport, writeOnnxFile } from '../../export/convert/convert';
import { MAX_OPSET, MIN_OPSET } from '../../export/convert/graph';
import { CheckerMode } from '../../export/convert/verify';

interface ConvertOpts {
  out: string;
  opset: number;
  batch: number | string;
  inputNames?: string[];
  outputNames?: string[];
  parityN: number;
  seed: number;
  parity: boolean;
  checker: CheckerMode;
}

function intIn(flag: string, lo: number, hi: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < lo || n > hi) throw new InvalidArgumentError(`${flag} expects an integer from ${lo} to ${hi}, got '${v}'`);
    return n;
  };
}

function batchArg(v: string): number | string {
  if (/^[1-9][0-9]*$/.test(v)) return Number(v);
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(v)) return v;
  throw new InvalidArgumentError(`--batch expects a positive integer (fixed) or a symbol such as N (dynamic), got '${v}'`);
}

const names = (v: string): string[] => v.split(',').map((s) => s.trim());

export function registerConvert(program: Command): void {
  program
    .command('convert')
    .description('convert a tfjs-layers model (model.json + weights) to ONNX, checked against tfjs-layers in onnxruntime-node')
    .argument('<model.json>', "the model.json tfjs-layers' model.save('file://dir') wrote (or its folder)")
    .requiredOption('--out <model.onnx>', 'the ONNX file to write')
    .option('--opset <n>', `ONNX opset (${MIN_OPSET}-${MAX_OPSET})`, intIn('--opset', MIN_OPSET, MAX_OPSET), MAX_OPSET)
    .option('--batch <N|n>', 'batch dimension: a symbol (dynamic) or a fixed size', batchArg, 'N')
    .option('--input-names <a,b>', 'ONNX input names, in the model\'s input order (default: tfjs\'s)', names)
    .option('--output-names <a,b>', 'ONNX output names, in the model\'s output order (default: tfjs\'s)', names)
    .option('--parity-n <n>', 'random examples for the tfjs comparison', intIn('--parity-n', 1, 100000), 16)
    .option('--seed <n>', 'seed of the random examples', intIn('--seed', 0, 2 ** 31 - 1), 0)
    .option('--no-parity', 'skip the comparison with tfjs (the report says it was not checked)')
    .addOption(new Option('--checker <mode>', 'the reference ONNX checker (python3-onnx): auto runs it when installed').choices(['auto', 'require', 'off']).default('auto'))
    .action(async (model: string, opts: ConvertOpts) => {
      await tf.setBackend('cpu');
      await tf.ready();
      // The cpu backend's "install tfjs-node" banner says nothing here: the report names the reference backend.
      const cpu = tf.engine().registry['cpu'] as unknown as { firstUse?: boolean } | undefined;
      if (cpu && 'firstUse' in cpu) cpu.firstUse = false;
      try {
        const { onnx, report } = await convertLayersModel(model, {
          opset: opts.opset,
          batch: opts.batch,
          inputNames: opts.inputNames,
          outputNames: opts.outputNames,
          parityN: opts.parity ? opts.parityN : 0,
          seed: opts.seed,
          checker: opts.checker,
        });
        writeOnnxFile(opts.out, onnx);
        console.log(formatReport(report));
        console.log(`wrote ${opts.out}`);
      } catch (e) {
        if (e instanceof ConvertCheckError) throw new Error(`${e.message.split('\n')[0]}; nothing written\n${formatReport(e.report)}`);
        throw new Error(`${(e as Error).message}; nothing written`);
      }
    });
}
