/**
 * `dgm train` from the TypeScript sources in a process of its own (webgpu.test.ts starts it with the Vulkan loader's
 * environment). Arguments are the command line after `dgm`.
 */
import { Command } from 'commander';
import { registerTrain } from '../../../cli/commands/train';

const program = new Command().name('dgm').exitOverride();
registerTrain(program);
program.parseAsync(['node', 'dgm', ...process.argv.slice(2)]).then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    console.error(`dgm: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
