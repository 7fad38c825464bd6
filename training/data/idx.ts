/**
 * IDX files (the MNIST / Fashion-MNIST container): a 4-byte magic [0, 0, type, ndim], ndim big-endian uint32
 * dimensions, then the data. Only unsigned bytes (type 0x08) are used by Fashion-MNIST, so only they are supported.
 *
 * Files may be gzip-compressed or raw; which one is decided by the content (gzip starts with 1f 8b, IDX with 00 00),
 * not the name, so a renamed or unpacked copy still loads. Every check is strict: a truncated, padded or corrupt
 * file is an error naming the file and what is wrong, never a silently shorter dataset.
 */
import * as fs from 'fs';
import * as zlib from 'zlib';
import { writeFileAtomic } from '../harness/atomic-write';

export const IDX_UBYTE = 0x08;
/** Magic numbers as big-endian uint32: ubyte data with 3 dims (images [N, rows, cols]) and 1 dim (labels [N]). */
export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;

export interface IdxArray {
  /** e.g. [N, 28, 28] for images, [N] for labels. */
  dims: number[];
  data: Uint8Array;
}

export interface IdxImages {
  images: Uint8Array; // [n * rows * cols], row-major
  n: number;
  rows: number;
  cols: number;
}

function hex32(v: number): string {
  return '0x' + (v >>> 0).toString(16).padStart(8, '0');
}

/** Undoes gzip when the bytes are gzip; the error says whether the stream is corrupt or cut short. */
export function maybeGunzip(bytes: Uint8Array, file: string): Uint8Array {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return zlib.gunzipSync(bytes);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const what = e.code === 'Z_BUF_ERROR' ? 'gzip stream is truncated' : 'gzip data is corrupt';
    throw new Error(`${file}: ${what} (zlib: ${e.message}); delete the file and fetch it again`);
  }
}

/** Parses IDX bytes (already gunzipped). `file` only names the source in errors. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length < 4) throw new Error(`${file}: not an IDX file: only ${bytes.length} bytes, too short for a header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const type = bytes[2];
  const ndim = bytes[3];
  if (bytes[0] !== 0 || bytes[1] !== 0 || ndim === 0) {
    throw new Error(`${file}: not an IDX file: magic number ${hex32(magic)} (expected 0x000008NN, e.g. ${hex32(IDX_IMAGES_MAGIC)} for images)`);
  }
  if (type !== IDX_UBYTE) {
    throw new Error(`${file}: IDX data type 0x${type.toString(16).padStart(2, '0')} is not supported (only unsigned bytes, 0x08); magic ${hex32(magic)}`);
  }
  const headerBytes = 4 + 4 * ndim;
  if (bytes.length < headerBytes) {
    throw new Error(`${file}: truncated IDX header: ${ndim} dimensions need ${headerBytes} header bytes, the file has ${bytes.length}`);
  }
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const expected = dims.reduce((a, b) => a * b, 1);
  const actual = bytes.length - headerBytes;
  if (actual < expected) {
    throw new Error(
      `${file}: truncated: the header promises [${dims.join(', ')}] = ${expected} data bytes but only ${actual} follow ` +
        `(${expected - actual} missing); the file is incomplete, fetch it again`,
    );
  }
  if (actual > expected) {
    throw new Error(`${file}: ${actual - expected} unexpected bytes after the [${dims.join(', ')}] data; the file is not a clean IDX file`);
  }
  // A copy with its own buffer at offset 0: callers may hand `.buffer` to tfjs or a worker without surprises.
  return { dims, data: new Uint8Array(bytes.subarray(headerBytes)) };
}

/** Reads an IDX file (gzip or raw). */
export function readIdx(file: string): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new Error(`${file}: cannot read: ${(err as Error).message}`);
  }
  return parseIdx(maybeGunzip(bytes, file), file);
}

/** Images: magic 0x00000803, dims [N, rows, cols]. */
export function readIdxImages(file: string): IdxImages {
  const a = readIdx(file);
  if (a.dims.length !== 3) {
    throw new Error(`${file}: expected an IDX image file (magic ${hex32(IDX_IMAGES_MAGIC)}, dims [N, rows, cols]), got ${a.dims.length} dims (magic ${hex32((IDX_UBYTE << 8) | a.dims.length)})`);
  }
  const [n, rows, cols] = a.dims;
  return { images: a.data, n, rows, cols };
}

/** Labels: magic 0x00000801, dims [N], every value in [0, numClasses). */
export function readIdxLabels(file: string, numClasses = 10): Uint8Array {
  const a = readIdx(file);
  if (a.dims.length !== 1) {
    throw new Error(`${file}: expected an IDX label file (magic ${hex32(IDX_LABELS_MAGIC)}, dims [N]), got ${a.dims.length} dims (magic ${hex32((IDX_UBYTE << 8) | a.dims.length)})`);
  }
  const labels = a.data;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= numClasses) {
      throw new Error(`${file}: label ${labels[i]} at index ${i} is out of range (expected 0..${numClasses - 1})`);
    }
  }
  return labels;
}

/** Serializes ubyte data as IDX (header + data), checking that dims match the data length. */
export function encodeIdx(a: IdxArray): Uint8Array {
  if (a.dims.length === 0 || a.dims.length > 255) throw new Error(`encodeIdx: need 1..255 dims, got ${a.dims.length}`);
  for (const d of a.dims) {
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) throw new Error(`encodeIdx: bad dimension ${d} in [${a.dims.join(', ')}]`);
  }
  const n = a.dims.reduce((x, y) => x * y, 1);
  if (n !== a.data.length) throw new Error(`encodeIdx: dims [${a.dims.join(', ')}] hold ${n} bytes, data has ${a.data.length}`);
  const header = 4 + 4 * a.dims.length;
  const out = new Uint8Array(header + n);
  const view = new DataView(out.buffer);
  out[2] = IDX_UBYTE;
  out[3] = a.dims.length;
  a.dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(a.data, header);
  return out;
}


/** Writes an IDX file, gzip-compressed when the name ends in .gz. */
export function writeIdx(file: string, a: IdxArray): void {
  const raw = encodeIdx(a);
  writeFileAtomic(file, file.endsWith('.gz') ? zlib.gzipSync(raw) : raw);
}
