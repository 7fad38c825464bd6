/** `dgm data`: find (or download) Fashion-MNIST, check it, and print what it holds. */
import { Command } from 'commander';
import {
  CLASS_NAMES,
  FILE_KEYS,
  locateFashionMnist,
  readSplit,
  verifyContent,
  type FashionMnistSplit,
  type Origin,
} from '../../training/data/fashion-mnist';
import { checkOutputPath, writeFileAtomic } from '../../training/harness/atomic-write';
import { classGridPng } from '../../training/data/preview';

const ORIGIN_TEXT: Record<Origin, string> = {
  option: 'the folder given with --data',
  env: 'the folder in $FASHION_MNIST_DIR',
  local: './data/fashion-mnist',
  system: "Debian's dataset-fashion-mnist package",
  download: 'downloaded just now',
};

function summarize(s: FashionMnistSplit, name: string): string[] {
  const counts = new Array<number>(CLASS_NAMES.length).fill(0);
  for (let i = 0; i < s.n; i++) counts[s.labels[i]]++;
  let sum = 0;
  for (let i = 0; i < s.images.length; i++) sum += s.images[i];
  const mean = sum / s.images.length;
  const lines = [`${name}: ${s.n} images ${s.rows}x${s.cols}, pixel mean ${mean.toFixed(2)} / 255 = ${(mean / 255).toFixed(4)}`];
  counts.forEach((c, k) => lines.push(`  ${String(k).padStart(2)} ${CLASS_NAMES[k].padEnd(12)} ${String(c).padStart(6)}`));
  return lines;
}

export function registerData(program: Command): void {
  program
    .command('data')
    .description('find (or download) Fashion-MNIST, check it and print its summary')
    .option('--data <dir>', 'folder holding the four IDX files (.gz or unpacked)')
    .option('--download', 'download the official files again (into --data DIR or ./data/fashion-mnist) and verify them')
    .option('--grid <file.png>', 'also write a PNG with the first 10 training images of each class, one row per class')
    .action(async (opts: { data?: string; download?: boolean; grid?: string }) => {
      if (opts.grid !== undefined) checkOutputPath(opts.grid, '--grid');
      const loc = await locateFashionMnist({ dir: opts.data, download: opts.download ? 'force' : 'auto' });
      console.log(`Fashion-MNIST in ${loc.dir} (${ORIGIN_TEXT[loc.origin]})`);
      for (const k of FILE_KEYS) console.log(`  ${loc.files[k]}`);
      const train = readSplit(loc, 'train');
      const test = readSplit(loc, 'test');
      for (const line of [...summarize(train, 'train'), ...summarize(test, 'test')]) console.log(line);
      const ok = verifyContent(loc);
      const bad = FILE_KEYS.filter((k) => !ok[k]);
      console.log(
        bad.length === 0
          ? 'content: identical to the official release (SHA-256 of the unpacked IDX data)'
          : `content: WARNING, differs from the official release in ${bad.map((k) => loc.files[k]).join(', ')}`,
      );
      if (opts.grid) {
        writeFileAtomic(opts.grid, classGridPng(train.images, train.labels, 28, 28, CLASS_NAMES.length), '--grid');
        console.log(`wrote ${opts.grid} (rows: ${CLASS_NAMES.join(', ')})`);
      }
    });
}
