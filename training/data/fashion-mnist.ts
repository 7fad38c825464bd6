/**
 * Fashion-MNIST (Xiao, Rasul, Vollgraf 2017): where to find it, how to fetch it, how to load a split.
 *
 * Discovery order: an explicit folder (`--data DIR`), $FASHION_MNIST_DIR, ./data/fashion-mnist, then Debian's
 * dataset-fashion-mnist (/usr/share/datasets/fashion-mnist). A folder named explicitly (option or variable) must
 * hold the files: a typo is an error, not a silent fall-through to another copy. When no folder holds them, the four
 * official files are downloaded into ./data/fashion-mnist and checked against their published SHA-256.
 *
 * Each file may be the official .gz or its unpacked form (same name without .gz).
 *
 * Checksums: the official .gz files are published with MD5s (github.com/zalandoresearch/fashion-mnist, "Get the
 * Data"); their SHA-256s below are the ones other projects record next to those MD5s. Debian's package recompresses
 * the files (its .gz bytes and MD5s differ from the official ones) but the unpacked IDX content is identical, so
 * copies found on disk are verified on their unpacked content (`raw`), downloads on the .gz bytes (`gz`).
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { downloadVerified, sha256OfFile } from './download';
import { maybeGunzip, readIdxImages, readIdxLabels } from './idx';

export { toSymmetric, toUnitDequantized, fromSymmetric } from './pixels';

export const CLASS_NAMES: readonly string[] = Object.freeze([
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
]);

/** The images' shape [height, width, channels]: what the image models are built for. */
export const IMAGE_SHAPE = [28, 28, 1] as const;

export type Split = 'train' | 'test';
export type FileKey = 'trainImages' | 'trainLabels' | 'testImages' | 'testLabels';
export const FILE_KEYS: readonly FileKey[] = ['trainImages', 'trainLabels', 'testImages', 'testLabels'];

/** Official base names; on disk each is `<name>.gz` or `<name>`. */
export const FILE_NAMES: Readonly<Record<FileKey, string>> = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
};

export const OFFICIAL_SHA256: Readonly<Record<FileKey, { gz: string; raw: string }>> = {
  trainImages: {
    gz: '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84',
    raw: 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888',
  },
  trainLabels: {
    gz: 'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845',
    raw: 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9',
  },
  testImages: {
    gz: '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073',
    raw: '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b',
  },
  testLabels: {
    gz: '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5',
    raw: '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34',
  },
};

/** The official host first, the project's GitHub copy (same files) second. */
export const OFFICIAL_BASE_URLS: readonly string[] = [
  'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
  'https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/',
];

export const SYSTEM_DIR = '/usr/share/datasets/fashion-mnist';
export const LOCAL_DIR = path.join('data', 'fashion-mnist');
export const ENV_VAR = 'FASHION_MNIST_DIR';

export type Origin = 'option' | 'env' | 'local' | 'system' | 'download';

export interface Located {
  dir: string;
  origin: Origin;
  files: Record<FileKey, string>;
}

/** Where to look and how to download; every field has a default, tests override them. */
export interface DiscoveryOptions {
  /** `--data DIR`. */
  dir?: string;
  /** Defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** ./data/fashion-mnist is resolved against this (default process.cwd()). */
  cwd?: string;
  /** Defaults to /usr/share/datasets/fashion-mnist. */
  systemDir?: string;
  /** 'auto' (default): download when nothing is found; 'never'; 'force': download again even when present. */
  download?: 'auto' | 'never' | 'force';
  baseUrls?: readonly string[];
  /** SHA-256 of the files to download (default: the official .gz checksums). */
  checksums?: Readonly<Record<FileKey, string>>;
  /** No progress bars or notes. */
  quiet?: boolean;
}

/** The path of each file in `dir` (preferring .gz), and the names of those missing. */
export function filesIn(dir: string): { files: Partial<Record<FileKey, string>>; missing: string[] } {
  const files: Partial<Record<FileKey, string>> = {};
  const missing: string[] = [];
  for (const k of FILE_KEYS) {
    const base = path.join(dir, FILE_NAMES[k]);
    const found = [`${base}.gz`, base].find((f) => isFile(f));
    if (found) files[k] = found;
    else missing.push(`${FILE_NAMES[k]}[.gz]`);
  }
  return { files, missing };
}

function isFile(f: string): boolean {
  try {
    return fs.statSync(f).isFile();
  } catch {
    return false;
  }
}

function complete(dir: string): Record<FileKey, string> | null {
  const { files, missing } = filesIn(dir);
  return missing.length === 0 ? (files as Record<FileKey, string>) : null;
}

function explicitDir(dir: string, what: string): Located['files'] {
  if (!fs.existsSync(dir)) throw new Error(`${what}: folder ${dir} does not exist`);
  const { files, missing } = filesIn(dir);
  if (missing.length > 0) {
    throw new Error(`${what}: ${dir} lacks the Fashion-MNIST file(s) ${missing.join(', ')} (add --download to fetch them there)`);
  }
  return files as Record<FileKey, string>;
}

/** The candidate folders in discovery order, for messages. */
function candidates(opts: DiscoveryOptions): { dir: string; origin: Origin; label: string }[] {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const out: { dir: string; origin: Origin; label: string }[] = [];
  if (opts.dir) out.push({ dir: path.resolve(cwd, opts.dir), origin: 'option', label: '--data' });
  if (env[ENV_VAR]) out.push({ dir: path.resolve(cwd, env[ENV_VAR] as string), origin: 'env', label: `$${ENV_VAR}` });
  out.push({ dir: path.resolve(cwd, LOCAL_DIR), origin: 'local', label: `./${LOCAL_DIR}` });
  out.push({ dir: opts.systemDir ?? SYSTEM_DIR, origin: 'system', label: 'Debian dataset-fashion-mnist' });
  return out;
}

/** Finds the files without downloading; null when no candidate folder holds all four. */
export function findFashionMnist(opts: DiscoveryOptions = {}): Located | null {
  for (const c of candidates(opts)) {
    if (c.origin === 'option' || c.origin === 'env') return { dir: c.dir, origin: c.origin, files: explicitDir(c.dir, c.label) };
    const files = complete(c.dir);
    if (files) return { dir: c.dir, origin: c.origin, files };
  }
  return null;
}

/** Finds the files, downloading them when nowhere to be found (or when forced). */
export async function locateFashionMnist(opts: DiscoveryOptions = {}): Promise<Located> {
  const mode = opts.download ?? 'auto';
  if (mode !== 'force') {
    const found = findFashionMnist(opts);
    if (found) return found;
    if (mode === 'never') throw new Error(notFoundMessage(opts, 'downloads are disabled'));
  }
  const cwd = opts.cwd ?? process.cwd();
  const target = opts.dir ? path.resolve(cwd, opts.dir) : path.resolve(cwd, LOCAL_DIR);
  try {
    await downloadFashionMnist(target, opts);
  } catch (err) {
    throw new Error(notFoundMessage(opts, (err as Error).message, target));
  }
  return { dir: target, origin: 'download', files: complete(target) as Record<FileKey, string> };
}

/**
 * Downloads the four .gz files into `dir`, each verified before it is renamed into place. A file already there with
 * the right checksum is kept unless the download is forced.
 */
export async function downloadFashionMnist(dir: string, opts: DiscoveryOptions = {}): Promise<void> {
  const baseUrls = opts.baseUrls ?? OFFICIAL_BASE_URLS;
  const sums = opts.checksums ?? officialGzSums();
  if (!opts.quiet) process.stderr.write(`Downloading Fashion-MNIST into ${dir}\n`);
  for (const k of FILE_KEYS) {
    const name = `${FILE_NAMES[k]}.gz`;
    const dest = path.join(dir, name);
    if (opts.download !== 'force' && isFile(dest) && sha256OfFile(dest) === sums[k]) continue;
    const errors: string[] = [];
    for (const base of baseUrls) {
      try {
        await downloadVerified(new URL(name, base).toString(), dest, sums[k], { quiet: opts.quiet });
        errors.length = 0;
        break;
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    if (errors.length > 0) throw new Error(errors.join('; '));
  }
}

function officialGzSums(): Record<FileKey, string> {
  const out = {} as Record<FileKey, string>;
  for (const k of FILE_KEYS) out[k] = OFFICIAL_SHA256[k].gz;
  return out;
}

function notFoundMessage(opts: DiscoveryOptions, reason: string, target?: string): string {
  const cwd = opts.cwd ?? process.cwd();
  const where = target ?? path.resolve(cwd, LOCAL_DIR);
  const looked = candidates(opts)
    .map((c) => `${c.label} (${c.dir})`)
    .join(', ');
  const urls = FILE_KEYS.map((k) => `    ${OFFICIAL_BASE_URLS[0]}${FILE_NAMES[k]}.gz`).join('\n');
  const forced = opts.download === 'force';
  return [
    forced ? `Fashion-MNIST could not be downloaded: ${reason}` : `Fashion-MNIST was not found and could not be downloaded: ${reason}`,
    ...(forced ? [] : [`Looked in: ${looked}.`]),
    `Get it one of these ways:`,
    `  - Debian/Ubuntu: sudo apt-get install dataset-fashion-mnist   (installs ${SYSTEM_DIR})`,
    `  - download these four files into ${where} (or any folder, then pass --data DIR or set $${ENV_VAR}):`,
    urls,
  ].join('\n');
}

export interface FashionMnistSplit {
  images: Uint8Array; // [n * 784], row-major 28x28, 0 = background
  labels: Uint8Array; // [n], 0..9, see CLASS_NAMES
  n: number;
  rows: 28;
  cols: 28;
  dir: string;
  origin: Origin;
  files: { images: string; labels: string };
}

/** Loads one split; every structural problem in the files is an error naming the file. */
export async function loadFashionMnist(opts: DiscoveryOptions & { split: Split }): Promise<FashionMnistSplit> {
  if (opts.split !== 'train' && opts.split !== 'test') throw new Error(`loadFashionMnist: split must be 'train' or 'test', got ${String(opts.split)}`);
  const loc = await locateFashionMnist(opts);
  return readSplit(loc, opts.split);
}

export function readSplit(loc: Located, split: Split): FashionMnistSplit {
  const imagesFile = loc.files[split === 'train' ? 'trainImages' : 'testImages'];
  const labelsFile = loc.files[split === 'train' ? 'trainLabels' : 'testLabels'];
  const img = readIdxImages(imagesFile);
  if (img.rows !== 28 || img.cols !== 28) throw new Error(`${imagesFile}: images are ${img.rows}x${img.cols}, Fashion-MNIST's are 28x28`);
  const labels = readIdxLabels(labelsFile, CLASS_NAMES.length);
  if (labels.length !== img.n) throw new Error(`${imagesFile} has ${img.n} images but ${labelsFile} has ${labels.length} labels`);
  return { images: img.images, labels, n: img.n, rows: 28, cols: 28, dir: loc.dir, origin: loc.origin, files: { images: imagesFile, labels: labelsFile } };
}

/**
 * Whether each file's unpacked content is the official release (SHA-256 of the IDX bytes). Costs one read and hash
 * of the data (~0.3 s for all four); `dgm data` reports it, training does not need it.
 */
export function verifyContent(loc: Located): Record<FileKey, boolean> {
  const out = {} as Record<FileKey, boolean>;
  for (const k of FILE_KEYS) {
    const raw = maybeGunzip(fs.readFileSync(loc.files[k]), loc.files[k]);
    out[k] = createHash('sha256').update(raw).digest('hex') === OFFICIAL_SHA256[k].raw;
  }
  return out;
}
