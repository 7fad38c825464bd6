import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import {
  CLASS_NAMES,
  FILE_KEYS,
  FILE_NAMES,
  SYSTEM_DIR,
  findFashionMnist,
  loadFashionMnist,
  locateFashionMnist,
  readSplit,
  verifyContent,
  type FileKey,
} from '../../../training/data/fashion-mnist';
import { fakeSetBytes, gz, tmpDir, writeFakeSet } from './fake-set';
import { createHash } from 'crypto';

const root = tmpDir('fm');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

test('class names are the ten official ones in label order', () => {
  expect(CLASS_NAMES).toEqual(['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']);
});

describe('discovery order: --data, $FASHION_MNIST_DIR, ./data/fashion-mnist, the Debian folder', () => {
  // Each folder gets a set of a different size, so the loaded n says which folder won.
  const optDir = path.join(root, 'opt');
  const envDir = path.join(root, 'env');
  const cwd = path.join(root, 'cwd');
  const localDir = path.join(cwd, 'data', 'fashion-mnist');
  const sysDir = path.join(root, 'sys');
  const emptyCwd = path.join(root, 'empty-cwd');
  beforeAll(() => {
    writeFakeSet(optDir, 11, 3);
    writeFakeSet(envDir, 12, 3, { gzip: false }); // unpacked names are accepted too
    writeFakeSet(localDir, 13, 3);
    writeFakeSet(sysDir, 14, 3);
    fs.mkdirSync(emptyCwd, { recursive: true });
  });
  const base = { systemDir: sysDir, download: 'never' as const, quiet: true };
  const trainN = async (o: object) => (await loadFashionMnist({ ...base, split: 'train', ...o })).n;

  test('--data beats the environment variable', async () => {
    expect(await trainN({ dir: optDir, env: { FASHION_MNIST_DIR: envDir }, cwd })).toBe(11);
  });
  test('the environment variable beats ./data/fashion-mnist (and unpacked files load)', async () => {
    const s = await loadFashionMnist({ ...base, split: 'train', env: { FASHION_MNIST_DIR: envDir }, cwd });
    expect([s.n, s.origin, s.files.images]).toEqual([12, 'env', path.join(envDir, 'train-images-idx3-ubyte')]);
  });
  test('./data/fashion-mnist beats the Debian folder', async () => {
    expect(await trainN({ env: {}, cwd })).toBe(13);
  });
  test('the Debian folder is the last resort', async () => {
    const loc = findFashionMnist({ ...base, env: {}, cwd: emptyCwd });
    expect(loc?.origin).toBe('system');
    expect(await trainN({ env: {}, cwd: emptyCwd })).toBe(14);
  });
  test('a folder given explicitly must hold the files (no silent fall-through)', async () => {
    const missing = path.join(root, 'no-such-dir');
    await expect(trainN({ dir: missing, env: {}, cwd })).rejects.toThrow(`--data: folder ${missing} does not exist`);
    await expect(trainN({ env: { FASHION_MNIST_DIR: emptyCwd }, cwd })).rejects.toThrow(
      `$FASHION_MNIST_DIR: ${emptyCwd} lacks the Fashion-MNIST file(s) train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz]`,
    );
  });
  test('nothing anywhere and downloads off: says how to get the files', async () => {
    const err = await locateFashionMnist({ ...base, systemDir: path.join(root, 'nosys'), env: {}, cwd: emptyCwd }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const msg = (err as Error).message;
    expect(msg).toContain('sudo apt-get install dataset-fashion-mnist');
    expect(msg).toContain(`download these four files into ${path.join(emptyCwd, 'data', 'fashion-mnist')}`);
    expect(msg).toContain('http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-images-idx3-ubyte.gz');
    expect(msg).toContain('http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/t10k-labels-idx1-ubyte.gz');
  });
  test('images and labels counts must agree', async () => {
    const dir = path.join(root, 'mismatch');
    const files = writeFakeSet(dir, 10, 3);
    fs.writeFileSync(files.trainLabels, gz(fakeSetBytes(9, 3).trainLabels));
    await expect(loadFashionMnist({ ...base, dir, split: 'train' })).rejects.toThrow(`${files.trainImages} has 10 images but ${files.trainLabels} has 9 labels`);
  });
});

describe('download (from a local server on 127.0.0.1, never the internet)', () => {
  const bytes = fakeSetBytes(20, 10, 7);
  const served: Record<string, Buffer> = {};
  const sums = {} as Record<FileKey, string>;
  for (const k of FILE_KEYS) {
    served[`/${FILE_NAMES[k]}.gz`] = gz(bytes[k]);
    sums[k] = createHash('sha256').update(served[`/${FILE_NAMES[k]}.gz`]).digest('hex');
  }
  const requests: string[] = [];
  let server: http.Server;
  let baseUrl = '';
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      const body = served[req.url ?? ''];
      if (!body) {
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/gzip' }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  const opts = (cwd: string) => ({ env: {}, cwd, systemDir: path.join(root, 'nosys'), baseUrls: [baseUrl], checksums: sums, quiet: true });

  test('nothing found: downloads into ./data/fashion-mnist, verifies, loads; a second run downloads nothing', async () => {
    const cwd = path.join(root, 'dl-ok');
    fs.mkdirSync(cwd, { recursive: true });
    requests.length = 0;
    const s = await loadFashionMnist({ ...opts(cwd), split: 'test' });
    expect([s.n, s.origin, s.dir]).toEqual([10, 'download', path.join(cwd, 'data', 'fashion-mnist')]);
    expect(Buffer.from(s.images).equals(Buffer.from(bytes.testImages.subarray(16)))).toBe(true);
    expect(requests.sort()).toEqual(Object.keys(served).sort());
    expect(fs.readdirSync(s.dir).sort()).toEqual(FILE_KEYS.map((k) => `${FILE_NAMES[k]}.gz`).sort());
    requests.length = 0;
    const again = await loadFashionMnist({ ...opts(cwd), split: 'train' });
    expect([again.n, again.origin, requests.length]).toEqual([20, 'local', 0]);
  });

  test('forced download into --data DIR replaces the files', async () => {
    const cwd = path.join(root, 'dl-force');
    const dir = path.join(root, 'dl-force-target');
    writeFakeSet(dir, 5, 5, { seed: 99 });
    requests.length = 0;
    const loc = await locateFashionMnist({ ...opts(cwd), dir, download: 'force' });
    expect([loc.origin, loc.dir, requests.length]).toEqual(['download', dir, 4]);
    expect(readSplit(loc, 'train').n).toBe(20);
  });

  test('checksum mismatch: clear error, the bad file is not kept, no temp file is left', async () => {
    const cwd = path.join(root, 'dl-bad');
    const bad = { ...sums, trainLabels: '0'.repeat(64) };
    const err = await loadFashionMnist({ ...opts(cwd), checksums: bad, split: 'train' }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const msg = (err as Error).message;
    expect(msg).toContain(`${baseUrl}train-labels-idx1-ubyte.gz: SHA-256 mismatch: got ${sums.trainLabels}, expected ${'0'.repeat(64)}`);
    expect(msg).toContain('nothing was kept');
    expect(msg).toContain('sudo apt-get install dataset-fashion-mnist');
    const dir = path.join(cwd, 'data', 'fashion-mnist');
    const left = fs.readdirSync(dir);
    expect(left).not.toContain('train-labels-idx1-ubyte.gz');
    expect(left.filter((f) => f.includes('.download-'))).toEqual([]);
  });

  test('HTTP 404 and an unreachable host both end in the how-to-get-it message', async () => {
    const cwd = path.join(root, 'dl-404');
    const e404 = await locateFashionMnist({ ...opts(cwd), baseUrls: [`${baseUrl}missing/`] }).catch((e: Error) => e);
    expect((e404 as Error).message).toMatch(/missing\/train-images-idx3-ubyte\.gz: HTTP 404/);
    // A port that was just free: nothing listens there.
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const eDown = await locateFashionMnist({ ...opts(cwd), baseUrls: [`http://127.0.0.1:${port}/`] }).catch((e: Error) => e);
    expect((eDown as Error).message).toMatch(/Fashion-MNIST was not found and could not be downloaded: .*ECONNREFUSED/);
    expect((eDown as Error).message).toContain('sudo apt-get install dataset-fashion-mnist');
    expect(fs.readdirSync(path.join(cwd, 'data', 'fashion-mnist'))).toEqual([]);
  });

  test('falls back to the second mirror when the first fails', async () => {
    const cwd = path.join(root, 'dl-mirror');
    const loc = await locateFashionMnist({ ...opts(cwd), baseUrls: [`${baseUrl}missing/`, baseUrl] });
    expect(readSplit(loc, 'test').n).toBe(10);
  });
});

const haveDebian = FILE_KEYS.every((k) => fs.existsSync(path.join(SYSTEM_DIR, `${FILE_NAMES[k]}.gz`)));
if (!haveDebian) console.warn(`skipping the real-data test: ${SYSTEM_DIR} lacks the Debian files (apt-get install dataset-fashion-mnist)`);
(haveDebian ? test : test.skip)("the real Debian files: 60000 / 10000, 6000 per class in train, official content", async () => {
  const loc = findFashionMnist({ env: {}, cwd: root });
  expect(loc?.origin).toBe('system');
  const train = readSplit(loc!, 'train');
  const test = readSplit(loc!, 'test');
  expect([train.n, test.n, train.images.length, test.images.length]).toEqual([60000, 10000, 60000 * 784, 10000 * 784]);
  const counts = new Array(10).fill(0);
  for (const l of train.labels) counts[l]++;
  expect(counts).toEqual(new Array(10).fill(6000));
  expect(Object.values(verifyContent(loc!))).toEqual([true, true, true, true]);
});
