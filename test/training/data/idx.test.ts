import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { Random } from '../../../runtime/core/random';
import { encodeIdx, parseIdx, readIdx, readIdxImages, readIdxLabels, writeIdx } from '../../../training/data/idx';
import { SYSTEM_DIR } from '../../../training/data/fashion-mnist';
import { tmpDir } from './fake-set';

const dir = tmpDir('idx');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function randomBytes(n: number, seed: number): Uint8Array {
  const r = new Random(seed);
  return Uint8Array.from({ length: n }, () => r.int(256));
}

/** A hand-built IDX header, independent of encodeIdx: magic then big-endian dims. */
function handHeader(magic: number, dims: number[]): Uint8Array {
  const b = Buffer.alloc(4 + 4 * dims.length);
  b.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
  return b;
}

describe('IDX round trip', () => {
  test.each([['images.gz'], ['images']])('images [7, 28, 28] through %s', (name) => {
    const data = randomBytes(7 * 28 * 28, 3);
    const file = path.join(dir, name);
    writeIdx(file, { dims: [7, 28, 28], data });
    const bytes = fs.readFileSync(file);
    expect(name.endsWith('.gz') ? [bytes[0], bytes[1]] : [bytes[0], bytes[1], bytes[2], bytes[3]]).toEqual(
      name.endsWith('.gz') ? [0x1f, 0x8b] : [0, 0, 8, 3],
    );
    const back = readIdxImages(file);
    expect([back.n, back.rows, back.cols]).toEqual([7, 28, 28]);
    expect(Buffer.from(back.images).equals(Buffer.from(data))).toBe(true);
  });

  test('encodeIdx writes the header byte for byte like a hand-built one', () => {
    const data = Uint8Array.from([0, 1, 9, 4]);
    const enc = encodeIdx({ dims: [4], data });
    expect(Buffer.from(enc).equals(Buffer.concat([handHeader(0x00000801, [4]), Buffer.from(data)]))).toBe(true);
  });

  test('labels round trip and a hand-built file reads', () => {
    const labels = Uint8Array.from({ length: 50 }, (_, i) => (i * 7) % 10);
    const file = path.join(dir, 'labels.gz');
    writeIdx(file, { dims: [50], data: labels });
    expect(Array.from(readIdxLabels(file))).toEqual(Array.from(labels));
    const hand = path.join(dir, 'hand-labels');
    fs.writeFileSync(hand, Buffer.concat([handHeader(0x00000801, [3]), Buffer.from([2, 0, 9])]));
    expect(Array.from(readIdxLabels(hand))).toEqual([2, 0, 9]);
  });

  test('writeIdx leaves no temp file and refuses dims that do not match the data', () => {
    expect(() => writeIdx(path.join(dir, 'bad'), { dims: [2, 28, 28], data: new Uint8Array(10) })).toThrow(/hold 1568 bytes, data has 10/);
    expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

describe('IDX errors name the file and what is wrong', () => {
  const images = randomBytes(5 * 784, 4);
  const raw = Buffer.from(encodeIdx({ dims: [5, 28, 28], data: images }));

  test('truncated raw file', () => {
    const file = path.join(dir, 'short-images');
    fs.writeFileSync(file, raw.subarray(0, raw.length - 100));
    expect(() => readIdxImages(file)).toThrow(`${file}: truncated: the header promises [5, 28, 28] = 3920 data bytes but only 3820 follow (100 missing)`);
  });

  test('truncated header', () => {
    const file = path.join(dir, 'short-header');
    fs.writeFileSync(file, raw.subarray(0, 10));
    expect(() => readIdx(file)).toThrow(`${file}: truncated IDX header`);
  });

  test('extra bytes after the data', () => {
    const file = path.join(dir, 'long-images');
    fs.writeFileSync(file, Buffer.concat([raw, Buffer.from([1, 2, 3])]));
    expect(() => readIdxImages(file)).toThrow(`${file}: 3 unexpected bytes after the [5, 28, 28] data`);
  });

  test('truncated .gz file', () => {
    const packed = zlib.gzipSync(raw);
    const file = path.join(dir, 'cut.gz');
    fs.writeFileSync(file, packed.subarray(0, Math.floor(packed.length / 2)));
    expect(() => readIdxImages(file)).toThrow(new RegExp(`^${escape(file)}: gzip stream is truncated`));
  });

  test('gzip corruption', () => {
    const packed = Buffer.from(zlib.gzipSync(raw));
    for (let i = 100; i < 140; i++) packed[i] ^= 0x5a;
    const file = path.join(dir, 'corrupt.gz');
    fs.writeFileSync(file, packed);
    expect(() => readIdxImages(file)).toThrow(new RegExp(`^${escape(file)}: gzip data is corrupt`));
  });

  test('wrong magic', () => {
    const file = path.join(dir, 'wrong-magic');
    fs.writeFileSync(file, Buffer.concat([handHeader(0x12345678, [1]), Buffer.alloc(1)]));
    expect(() => readIdx(file)).toThrow(`${file}: not an IDX file: magic number 0x12345678`);
  });

  test('a label file where images are expected (magic 0x801 vs 0x803)', () => {
    const file = path.join(dir, 'labels-not-images');
    fs.writeFileSync(file, Buffer.concat([handHeader(0x00000801, [2]), Buffer.from([1, 2])]));
    expect(() => readIdxImages(file)).toThrow(`${file}: expected an IDX image file (magic 0x00000803, dims [N, rows, cols]), got 1 dims (magic 0x00000801)`);
  });

  test('an image file where labels are expected', () => {
    const file = path.join(dir, 'images-not-labels');
    fs.writeFileSync(file, raw);
    expect(() => readIdxLabels(file)).toThrow(`${file}: expected an IDX label file (magic 0x00000801, dims [N]), got 3 dims (magic 0x00000803)`);
  });

  test('unsupported data type', () => {
    const file = path.join(dir, 'floats');
    fs.writeFileSync(file, Buffer.concat([handHeader(0x00000d01, [1]), Buffer.alloc(4)]));
    expect(() => readIdx(file)).toThrow(`${file}: IDX data type 0x0d is not supported`);
  });

  test('label out of range', () => {
    const file = path.join(dir, 'bad-labels.gz');
    fs.writeFileSync(file, zlib.gzipSync(Buffer.concat([handHeader(0x00000801, [5]), Buffer.from([0, 9, 3, 10, 1])])));
    expect(() => readIdxLabels(file)).toThrow(`${file}: label 10 at index 3 is out of range (expected 0..9)`);
  });

  test('missing file', () => {
    const file = path.join(dir, 'nope.gz');
    expect(() => readIdx(file)).toThrow(`${file}: cannot read`);
  });

  test('parseIdx of an empty buffer', () => {
    expect(() => parseIdx(new Uint8Array(0), 'x')).toThrow('x: not an IDX file: only 0 bytes');
  });

  const realLabels = path.join(SYSTEM_DIR, 't10k-labels-idx1-ubyte.gz');
  const haveReal = fs.existsSync(realLabels);
  if (!haveReal) console.warn(`skipping the truncated-real-file test: ${realLabels} is absent (apt-get install dataset-fashion-mnist)`);
  (haveReal ? test : test.skip)('a truncated copy of the real t10k labels (.gz and unpacked)', () => {
    const whole = fs.readFileSync(realLabels);
    expect(readIdxLabels(realLabels).length).toBe(10000);
    const cutGz = path.join(dir, 't10k-labels-idx1-ubyte.gz');
    fs.writeFileSync(cutGz, whole.subarray(0, whole.length - 1000));
    expect(() => readIdxLabels(cutGz)).toThrow(new RegExp(`^${escape(cutGz)}: gzip stream is truncated`));
    const cutRaw = path.join(dir, 't10k-labels-idx1-ubyte');
    fs.writeFileSync(cutRaw, zlib.gunzipSync(whole).subarray(0, 8 + 9000));
    expect(() => readIdxLabels(cutRaw)).toThrow(`${cutRaw}: truncated: the header promises [10000] = 10000 data bytes but only 9000 follow (1000 missing)`);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
