/** Small, valid Fashion-MNIST-shaped IDX files for tests (never the real set, never the network). */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { Random } from '../../../runtime/core/random';
import { FILE_KEYS, FILE_NAMES, type FileKey } from '../../../training/data/fashion-mnist';
import { encodeIdx } from '../../../training/data/idx';

export function tmpDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `dgm-data-${tag}-`));
}

/** The four files' IDX bytes (unpacked) for nTrain / nTest images with labels i % 10; pixels from `seed`. */
export function fakeSetBytes(nTrain: number, nTest: number, seed = 1): Record<FileKey, Uint8Array> {
  const rng = new Random(seed);
  const img = (n: number) => {
    const data = new Uint8Array(n * 784);
    for (let i = 0; i < data.length; i++) data[i] = rng.int(256);
    return encodeIdx({ dims: [n, 28, 28], data });
  };
  const lab = (n: number) => encodeIdx({ dims: [n], data: Uint8Array.from({ length: n }, (_, i) => i % 10) });
  return { trainImages: img(nTrain), trainLabels: lab(nTrain), testImages: img(nTest), testLabels: lab(nTest) };
}

/** Writes a fake set into `dir` (gzip or unpacked names); returns the paths. */
export function writeFakeSet(dir: string, nTrain: number, nTest: number, opts: { gzip?: boolean; seed?: number } = {}): Record<FileKey, string> {
  fs.mkdirSync(dir, { recursive: true });
  const bytes = fakeSetBytes(nTrain, nTest, opts.seed);
  const out = {} as Record<FileKey, string>;
  for (const k of FILE_KEYS) {
    const packed = opts.gzip !== false;
    out[k] = path.join(dir, FILE_NAMES[k] + (packed ? '.gz' : ''));
    fs.writeFileSync(out[k], packed ? gz(bytes[k]) : bytes[k]);
  }
  return out;
}

export function gz(bytes: Uint8Array): Buffer {
  return zlib.gzipSync(bytes);
}
