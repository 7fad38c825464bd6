/**
 * `dgm`: one command line for the whole pipeline. Each subcommand lives in cli/commands/<name>.ts and only parses
 * flags and calls the modules under training/, export/ and runtime/; cli/program.ts puts them together.
 */
import { runCli } from './program';

runCli(process.argv.slice(2)).then((code) => {
  // A command that keeps running (dgm serve) returns 0 with its server open: leave the process to it.
  if (code !== 0) process.exit(code);
});
