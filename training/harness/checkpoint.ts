/**
 * Checkpoints: one self-describing file per checkpoint, written atomically.
 *
 * Layout (all integers little-endian):
 *   bytes 0..7     magic 'DGMCKPT1'
 *   bytes 8..11    uint32 H: length of the JSON header in bytes
 *   bytes 12..     H bytes of UTF-8 JSON: { format, kind, config, step, epoch, rng, meta,
 *                  tensors: [{ name, shape, offset }], dataBytes, dataCrc32 }
 *   zero padding   to the next multiple of 4
 *   data           float32 values of every tensor, back to back; `offset` is in bytes from the data start
 * The file ends exactly at the end of the data: anything shorter is truncated, anything longer is corrupt.
 *
 * Why a custom container and not JSON or tfjs' model.json: the checkpoint must also hold the optimizer state and
 * the random state (so a resumed run is bit-identical to an uninterrupted one) and must be readable by the export
 * step without tfjs; a flat header + raw float32 block does that in a few lines and loads without copies.
 *
 * Tensor names: parameters exactly as in the model's `Params` map (`${layer}.kernel`, batch-norm running stats
 * included); optimizer slots `opt/<optimizerName>/<slot>` (see optimizerToTensors).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as zlib from 'zlib';
import * as tf from '@tensorflow/tfjs-core';
import type { RandomState } from '../../runtime/core/random';
import type { Params } from '../nets/layers';
import { writeFileAtomic } from './atomic-write';

export const CHECKPOINT_MAGIC = 'DGMCKPT1';
const FORMAT_VERSION = 1;
const PREAMBLE_BYTES = 12;

export interface CheckpointTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface Checkpoint {
  /** What model this is (e.g. 'maf', 'dcgan'); with `config` enough to rebuild the network definition. */
  kind: string;
  config: unknown;
  /** Training steps completed. */
  step: number;
  /** Epochs completed (the epoch index the next step belongs to). */
  epoch: number;
  tensors: CheckpointTensor[];
  rng: RandomState;
  meta: Record<string, unknown>;
}

interface ManifestEntry {
  name: string;
  shape: number[];
  offset: number;
}

interface Header {
  format: number;
  kind: string;
  config: unknown;
  step: number;
  epoch: number;
  rng: RandomState;
  meta: Record<string, unknown>;
  tensors: ManifestEntry[];
  dataBytes: number;
  dataCrc32: number;
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function assertLittleEndian(): void {
  // Float32Array bytes are written as they are in memory.
  if (os.endianness() !== 'LE') throw new Error('checkpoints are only supported on little-endian machines');
}

/** Write `c` to `file` atomically (temp file in the same directory, fsync, rename). */
export function writeCheckpoint(file: string, c: Checkpoint): void {
  assertLittleEndian();
  const where = `writeCheckpoint(${file})`;
  if (typeof c.kind !== 'string' || c.kind === '') throw new Error(`${where}: kind must be a non-empty string`);
  if (!Number.isInteger(c.step) || c.step < 0) throw new Error(`${where}: step must be a non-negative integer, got ${c.step}`);
  if (!Number.isInteger(c.epoch) || c.epoch < 0) throw new Error(`${where}: epoch must be a non-negative integer, got ${c.epoch}`);
  checkRngState(c.rng, where);
  const seen = new Set<string>();
  const manifest: ManifestEntry[] = [];
  let offset = 0;
  for (const t of c.tensors) {
    if (typeof t.name !== 'string' || t.name === '') throw new Error(`${where}: a tensor has an empty name`);
    if (seen.has(t.name)) throw new Error(`${where}: tensor name ${t.name} appears twice`);
    seen.add(t.name);
    if (!Array.isArray(t.shape) || t.shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new Error(`${where}: tensor ${t.name} has an invalid shape ${JSON.stringify(t.shape)}`);
    }
    if (!(t.data instanceof Float32Array)) throw new Error(`${where}: tensor ${t.name} data must be a Float32Array`);
    if (t.data.length !== sizeOf(t.shape)) {
      throw new Error(`${where}: tensor ${t.name} has ${t.data.length} values but shape [${t.shape}] needs ${sizeOf(t.shape)}`);
    }
    manifest.push({ name: t.name, shape: [...t.shape], offset });
    offset += t.data.byteLength;
  }
  const dataChunks = c.tensors.map((t) => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  let crc = 0;
  // (Node 20's zlib.crc32 returns 0 for an empty view of an empty buffer instead of the running value: skip those.)
  for (const chunk of dataChunks) if (chunk.byteLength > 0) crc = zlib.crc32(chunk, crc);
  const header: Header = {
    format: FORMAT_VERSION,
    kind: c.kind,
    config: c.config,
    step: c.step,
    epoch: c.epoch,
    rng: [...c.rng] as RandomState,
    meta: c.meta,
    tensors: manifest,
    dataBytes: offset,
    dataCrc32: crc,
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const preamble = Buffer.alloc(PREAMBLE_BYTES);
  preamble.write(CHECKPOINT_MAGIC, 0, 'latin1');
  preamble.writeUInt32LE(json.length, 8);
  const pad = Buffer.alloc((4 - ((PREAMBLE_BYTES + json.length) % 4)) % 4);
  writeFileAtomic(file, [preamble, json, pad, ...dataChunks]);
}

/** Read and fully validate a checkpoint; every error names the file and what is wrong with it. */
export function readCheckpoint(file: string): Checkpoint {
  assertLittleEndian();
  const bad = (what: string) => new Error(`checkpoint ${file}: ${what}`);
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw bad(code === 'ENOENT' ? 'file not found' : `cannot read (${(err as Error).message})`);
  }
  if (buf.length < PREAMBLE_BYTES) {
    throw bad(`truncated: ${buf.length} bytes, less than the ${PREAMBLE_BYTES}-byte preamble`);
  }
  const magic = buf.toString('latin1', 0, 8);
  if (magic !== CHECKPOINT_MAGIC) {
    throw bad(`not a dgm checkpoint (starts with ${JSON.stringify(magic)}, expected ${JSON.stringify(CHECKPOINT_MAGIC)})`);
  }
  const headerLen = buf.readUInt32LE(8);
  if (PREAMBLE_BYTES + headerLen > buf.length) {
    throw bad(`truncated: header says ${headerLen} bytes of JSON but only ${buf.length - PREAMBLE_BYTES} bytes follow`);
  }
  let header: Header;
  try {
    header = JSON.parse(buf.toString('utf8', PREAMBLE_BYTES, PREAMBLE_BYTES + headerLen)) as Header;
  } catch (err) {
    throw bad(`header is not valid JSON (${(err as Error).message})`);
  }
  validateHeader(header, bad);
  const dataStart = PREAMBLE_BYTES + headerLen + ((4 - ((PREAMBLE_BYTES + headerLen) % 4)) % 4);
  const available = buf.length - dataStart;
  if (available < header.dataBytes) {
    throw bad(`truncated: the manifest needs ${header.dataBytes} data bytes but the file has ${Math.max(available, 0)}`);
  }
  if (available > header.dataBytes) {
    throw bad(`${available - header.dataBytes} unexpected bytes after the ${header.dataBytes} data bytes`);
  }
  const crc = header.dataBytes > 0 ? zlib.crc32(buf.subarray(dataStart)) : 0;
  if (crc !== header.dataCrc32) {
    throw bad(`data checksum mismatch (stored ${header.dataCrc32}, computed ${crc}): the tensor data is corrupt`);
  }
  const tensors = header.tensors.map((m) => {
    const bytes = sizeOf(m.shape) * 4;
    // Copy into a fresh, aligned buffer (a Buffer's own offset need not be a multiple of 4).
    const data = new Float32Array(bytes / 4);
    new Uint8Array(data.buffer).set(buf.subarray(dataStart + m.offset, dataStart + m.offset + bytes));
    return { name: m.name, shape: m.shape, data };
  });
  return {
    kind: header.kind,
    config: header.config,
    step: header.step,
    epoch: header.epoch,
    tensors,
    rng: header.rng,
    meta: header.meta,
  };
}

function checkRngState(rng: unknown, where: string): void {
  if (!Array.isArray(rng) || rng.length !== 4 || rng.some((v) => !Number.isInteger(v) || v < 0 || v > 0xffffffff)) {
    throw new Error(`${where}: rng must be 4 unsigned 32-bit integers (Random.getState()), got ${JSON.stringify(rng)}`);
  }
}

function validateHeader(h: Header, bad: (what: string) => Error): void {
  if (typeof h !== 'object' || h === null) throw bad('header is not a JSON object');
  if (h.format !== FORMAT_VERSION) throw bad(`unsupported format version ${JSON.stringify(h.format)} (this build reads ${FORMAT_VERSION})`);
  if (typeof h.kind !== 'string' || h.kind === '') throw bad('header field "kind" is missing or empty');
  if (!Number.isInteger(h.step) || h.step < 0) throw bad(`header field "step" must be a non-negative integer, got ${JSON.stringify(h.step)}`);
  if (!Number.isInteger(h.epoch) || h.epoch < 0) throw bad(`header field "epoch" must be a non-negative integer, got ${JSON.stringify(h.epoch)}`);
  try {
    checkRngState(h.rng, 'header field "rng"');
  } catch (err) {
    throw bad((err as Error).message);
  }
  if (typeof h.meta !== 'object' || h.meta === null || Array.isArray(h.meta)) throw bad('header field "meta" must be an object');
  if (!Array.isArray(h.tensors)) throw bad('header field "tensors" must be an array');
  if (!Number.isInteger(h.dataBytes) || h.dataBytes < 0) throw bad(`header field "dataBytes" is invalid: ${JSON.stringify(h.dataBytes)}`);
  if (!Number.isInteger(h.dataCrc32)) throw bad(`header field "dataCrc32" is invalid: ${JSON.stringify(h.dataCrc32)}`);
  const names = new Set<string>();
  let expectedOffset = 0;
  for (const [i, m] of h.tensors.entries()) {
    const label = typeof m?.name === 'string' ? `tensor ${m.name}` : `tensor #${i}`;
    if (typeof m?.name !== 'string' || m.name === '') throw bad(`${label} has no name`);
    if (names.has(m.name)) throw bad(`${label} appears twice in the manifest`);
    names.add(m.name);
    if (!Array.isArray(m.shape) || m.shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw bad(`${label} has an invalid shape ${JSON.stringify(m.shape)}`);
    }
    // Tensors are stored back to back in manifest order; anything else means the header was damaged.
    if (m.offset !== expectedOffset) throw bad(`${label} has offset ${m.offset}, expected ${expectedOffset}`);
    expectedOffset += sizeOf(m.shape) * 4;
  }
  if (expectedOffset !== h.dataBytes) {
    throw bad(`the manifest's tensors take ${expectedOffset} bytes but the header says dataBytes = ${h.dataBytes}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Parameters

/** Copy every variable of `params` (trainable or not) into checkpoint tensors, in the map's order. */
/** The parameters' values, read asynchronously (what training uses: every backend, webgpu included). */
export async function readParamsToTensors(params: Params): Promise<CheckpointTensor[]> {
  const out: CheckpointTensor[] = [];
  for (const [name, v] of params.entries()) out.push({ name, shape: [...v.shape], data: Float32Array.from((await v.data()) as Float32Array) });
  return out;
}

export function paramsToTensors(params: Params): CheckpointTensor[] {
  return [...params.entries()].map(([name, v]) => ({ name, shape: [...v.shape], data: Float32Array.from(v.dataSync() as Float32Array) }));
}

/**
 * Assign checkpoint values to `params`. Every parameter must be present with the same shape and the checkpoint
 * must have no other parameters (tensors under `opt/` are optimizer state and are ignored here).
 */
export function loadParams(params: Params, tensors: readonly CheckpointTensor[], source = 'checkpoint'): void {
  const byName = new Map(tensors.filter((t) => !t.name.startsWith('opt/')).map((t) => [t.name, t]));
  const missing = [...params.keys()].filter((n) => !byName.has(n));
  const extra = [...byName.keys()].filter((n) => !params.has(n));
  const wrongShape: string[] = [];
  for (const [name, v] of params) {
    const t = byName.get(name);
    if (t && (t.shape.length !== v.shape.length || t.shape.some((d, i) => d !== v.shape[i]))) {
      wrongShape.push(`${name}: checkpoint [${t.shape}] vs model [${v.shape}]`);
    }
  }
  const problems: string[] = [];
  if (missing.length) problems.push(`missing parameters: ${missing.join(', ')}`);
  if (extra.length) problems.push(`parameters the model does not have: ${extra.join(', ')}`);
  if (wrongShape.length) problems.push(`shape mismatches: ${wrongShape.join('; ')}`);
  if (problems.length) throw new Error(`${source} does not match the model (${problems.join('; ')})`);
  for (const [name, v] of params) {
    const t = byName.get(name)!;
    tf.tidy(() => v.assign(tf.tensor(t.data, t.shape, 'float32')));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Optimizer state

interface AdamInternals {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

function adamInternals(opt: tf.Optimizer): AdamInternals | null {
  if (!(opt instanceof tf.AdamOptimizer)) return null;
  const o = opt as unknown as Partial<AdamInternals>;
  if (!(o.accBeta1 instanceof tf.Variable) || !(o.accBeta2 instanceof tf.Variable)) {
    throw new Error('tf.train.adam no longer keeps accBeta1/accBeta2: checkpoint.ts needs updating for this tfjs version');
  }
  return o as AdamInternals;
}

/**
 * The optimizer's state as checkpoint tensors named `opt/<name>/<slot>`: tfjs' getWeights() slots (`iter`, then
 * e.g. Adam's `<variable>/m` and `<variable>/v`) in their order, which setWeights() relies on.
 *
 * For Adam, the running powers beta^t are saved too (`opt/<name>/accBeta1`, `accBeta2`): setWeights() would
 * recompute them as pow(beta, t), which differs in the last bits from the repeated products an uninterrupted run
 * holds, and a resumed run must be bit-identical.
 */
export async function optimizerToTensors(name: string, opt: tf.Optimizer): Promise<CheckpointTensor[]> {
  const prefix = `opt/${name}/`;
  const weights = await opt.getWeights();
  const out: CheckpointTensor[] = [];
  for (const w of weights) {
    const values = await w.tensor.data();
    out.push({ name: prefix + w.name, shape: [...w.tensor.shape], data: Float32Array.from(values as ArrayLike<number>) });
  }
  // getWeights() creates the iteration-count scalar afresh; the slot variables belong to the optimizer.
  for (const w of weights) if (!(w.tensor instanceof tf.Variable)) w.tensor.dispose();
  const adam = adamInternals(opt);
  if (adam) {
    out.push({ name: `${prefix}accBeta1`, shape: [], data: Float32Array.from((await adam.accBeta1.data()) as Float32Array) });
    out.push({ name: `${prefix}accBeta2`, shape: [], data: Float32Array.from((await adam.accBeta2.data()) as Float32Array) });
  }
  return out;
}

/**
 * Restore `opt` (a freshly made optimizer of the same class) from checkpoint tensors written by
 * optimizerToTensors. When `params` is given, every slot's variable must exist there with the slot's shape.
 */
export async function loadOptimizer(
  name: string,
  opt: tf.Optimizer,
  tensors: readonly CheckpointTensor[],
  params?: Params,
  source = 'checkpoint',
): Promise<void> {
  const prefix = `opt/${name}/`;
  const where = `${source}: optimizer ${JSON.stringify(name)}`;
  if (opt.iterations !== 0) throw new Error(`${where}: can only be restored into a fresh optimizer (this one has taken ${opt.iterations} steps)`);
  const mine = tensors.filter((t) => t.name.startsWith(prefix));
  if (mine.length === 0) {
    const others = [...new Set(tensors.filter((t) => t.name.startsWith('opt/')).map((t) => t.name.split('/')[1]))];
    throw new Error(`${where}: no state saved under ${prefix} (optimizers in the checkpoint: ${others.join(', ') || 'none'})`);
  }
  const adam = adamInternals(opt);
  const accNames = new Set([`${prefix}accBeta1`, `${prefix}accBeta2`]);
  const slots = mine.filter((t) => !accNames.has(t.name));
  if (slots[0]?.name !== `${prefix}iter`) throw new Error(`${where}: the first slot must be ${prefix}iter, got ${slots[0]?.name}`);
  if (params) {
    for (const s of slots.slice(1)) {
      const slot = s.name.slice(prefix.length);
      const varName = slot.replace(/\/[^/]+$/, '');
      const v = params.get(varName);
      if (!v) throw new Error(`${where}: slot ${slot} belongs to a variable the model does not have (${varName})`);
      if (v.shape.length !== s.shape.length || v.shape.some((d, i) => d !== s.shape[i])) {
        throw new Error(`${where}: slot ${slot} has shape [${s.shape}] but ${varName} is [${v.shape}]`);
      }
    }
  }
  const named = slots.map((s, i) => ({ name: s.name.slice(prefix.length), tensor: tf.tensor(s.data, s.shape, i === 0 ? 'int32' : 'float32') }));
  try {
    await opt.setWeights(named);
  } finally {
    // setWeights() wraps each tensor's data in a new variable (sharing it by reference count), so ours can go.
    for (const n of named) n.tensor.dispose();
  }
  if (adam) {
    const acc1 = mine.find((t) => t.name === `${prefix}accBeta1`);
    const acc2 = mine.find((t) => t.name === `${prefix}accBeta2`);
    if (!acc1 || !acc2) throw new Error(`${where}: Adam state lacks ${prefix}accBeta1/accBeta2`);
    tf.tidy(() => {
      adam.accBeta1.assign(tf.scalar(acc1.data[0]));
      adam.accBeta2.assign(tf.scalar(acc2.data[0]));
    });
  }
}
