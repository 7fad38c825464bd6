/**
 * `dgm export` argument handling, in process (the export itself is covered by from-run / export-model tests):
 * nothing to do is said plainly, an unknown or untrained run is an error naming it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Command } from 'commander';
import { registerExport } from '../../cli/commands/export';
import { tmpDir } from './helpers';

function program(): Command {
  const p = new Command();
  p.exitOverride();
  registerExport(p);
  return p;
}

describe('dgm export (CLI)', () => {
  const root = tmpDir('cli');
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  test('no trained runs: says so and exports nothing', async () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await program().parseAsync(['node', 'dgm', 'export', '--runs-dir', path.join(root, 'runs'), '--out', path.join(root, 'models')]);
      expect(log.mock.calls.map((c) => String(c[0]))).toEqual([`no trained runs under ${path.join(root, 'runs')}/ (dgm train <model> makes one); nothing to export`]);
      expect(fs.existsSync(path.join(root, 'models'))).toBe(false);
    } finally {
      log.mockRestore();
    }
  });

  test('a run that does not exist, or has no checkpoint, is an error naming it', async () => {
    const runs = path.join(root, 'runs2');
    fs.mkdirSync(path.join(runs, 'empty'), { recursive: true });
    await expect(program().parseAsync(['node', 'dgm', 'export', 'nope', '--runs-dir', runs])).rejects.toThrow(/run "nope": no folder nope or .*runs2\/nope/);
    await expect(program().parseAsync(['node', 'dgm', 'export', 'empty', '--runs-dir', runs])).rejects.toThrow(/run .*runs2\/empty: no checkpoint yet \(train it first\)/);
  });
});
