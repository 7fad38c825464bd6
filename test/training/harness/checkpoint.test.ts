import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../../../runtime/core/random';
import { initBackend } from '../../../training/backend';
import { isTempName, writeFileAtomic } from '../../../training/harness/atomic-write';
import {
  type Checkpoint,
  loadOptimizer,
  loadParams,
  optimizerToTensors,
  paramsToTensors,
  readCheckpoint,
  writeCheckpoint,
} from '../../../training/harness/checkpoint';
import { applyStack, initParams, type Params, type Stack, trainable } from '../../../training/nets/layers';

let dir: string;
beforeAll(async () => {
  await initBackend({ backend: 'cpu', quiet: true });
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dgm-ckpt-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function sample(): Checkpoint {
  return {
    kind: 'test-kind',
    // A header length that is not a multiple of 4 exercises the alignment padding.
    config: { hidden: [8, 8], note: 'ünïcode ✓', x: 1 },
    step: 123,
    epoch: 4,
    tensors: [
      { name: 'a.kernel', shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 1e-30, -0, Math.PI]) },
      { name: 'a.bias', shape: [3], data: Float32Array.from([NaN, Infinity, -7]) },
      { name: 'scalar', shape: [], data: Float32Array.from([42]) },
      { name: 'empty', shape: [0, 4], data: new Float32Array(0) },
    ],
    rng: new Random(9).getState(),
    meta: { harness: { best: null }, list: [1, 2] },
  };
}

function bytesOf(a: Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

describe('checkpoint file', () => {
  test('round trip keeps every field and every float bit (NaN, -0, denormals included)', () => {
    const file = path.join(dir, 'c.ckpt');
    const c = sample();
    writeCheckpoint(file, c);
    const buf = fs.readFileSync(file);
    expect(buf.toString('latin1', 0, 8)).toBe('DGMCKPT1');
    const r = readCheckpoint(file);
    expect({ ...r, tensors: undefined }).toEqual({ ...c, tensors: undefined });
    expect(r.tensors.map((t) => [t.name, t.shape])).toEqual(c.tensors.map((t) => [t.name, t.shape]));
    r.tensors.forEach((t, i) => expect(bytesOf(t.data).equals(bytesOf(c.tensors[i].data))).toBe(true));
    // Data starts 4-byte aligned: total size = 12 + header + pad + 4 * values.
    const headerLen = buf.readUInt32LE(8);
    const values = c.tensors.reduce((s, t) => s + t.data.length, 0);
    expect((12 + headerLen + ((4 - ((12 + headerLen) % 4)) % 4)) % 4).toBe(0);
    expect(buf.length).toBe(12 + headerLen + ((4 - ((12 + headerLen) % 4)) % 4) + 4 * values);
  });

  test('atomic write leaves no temporary file, also when the write fails', () => {
    const file = path.join(dir, 'c.ckpt');
    writeCheckpoint(file, sample());
    writeCheckpoint(file, { ...sample(), step: 124 }); // replaces the first
    expect(fs.readdirSync(dir)).toEqual(['c.ckpt']);
    expect(readCheckpoint(file).step).toBe(124);
    // A directory where the checkpoint goes is refused before anything is written, naming it.
    const blocker = path.join(dir, 'blocked.ckpt');
    fs.mkdirSync(blocker);
    fs.writeFileSync(path.join(blocker, 'x'), 'x');
    expect(() => writeCheckpoint(blocker, sample())).toThrow(`${blocker} is a directory, not a regular file: refusing to replace it`);
    expect(fs.readdirSync(dir).filter(isTempName)).toEqual([]);
    expect(fs.readdirSync(dir).sort()).toEqual(['blocked.ckpt', 'c.ckpt']);
  });

  test('writeFileAtomic temp names are recognised by isTempName', () => {
    expect(isTempName('.checkpoint.ckpt.tmp-123-4')).toBe(true);
    expect(isTempName('checkpoint.ckpt')).toBe(false);
    writeFileAtomic(path.join(dir, 'a.txt'), ['x', Buffer.from('y')]);
    expect(fs.readFileSync(path.join(dir, 'a.txt'), 'utf8')).toBe('xy');
  });

  test('truncated files: every cut point gives an error naming the file and saying truncated', () => {
    const file = path.join(dir, 'c.ckpt');
    writeCheckpoint(file, sample());
    const full = fs.readFileSync(file);
    const cut = path.join(dir, 'cut.ckpt');
    const headerEnd = 12 + full.readUInt32LE(8);
    for (const len of [0, 5, 11, 12, 40, headerEnd - 1, headerEnd + 4, full.length - 1]) {
      fs.writeFileSync(cut, full.subarray(0, len));
      expect(() => readCheckpoint(cut)).toThrow(new RegExp(`^checkpoint ${cut.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: truncated`));
    }
  });

  test('corrupt files: magic, JSON, manifest, checksum, trailing bytes, missing file', () => {
    const file = path.join(dir, 'c.ckpt');
    writeCheckpoint(file, sample());
    const full = fs.readFileSync(file);
    const bad = path.join(dir, 'bad.ckpt');
    const expectError = (buf: Buffer, msg: string) => {
      fs.writeFileSync(bad, buf);
      expect(() => readCheckpoint(bad)).toThrow(`checkpoint ${bad}: ${msg}`);
    };
    const magic = Buffer.from(full);
    magic.write('PK', 0, 'latin1');
    expectError(magic, 'not a dgm checkpoint');
    const json = Buffer.from(full);
    json[12] = 0x5b; // '{' -> '[' : no longer valid JSON
    expectError(json, 'header is not valid JSON');
    const flipped = Buffer.from(full);
    flipped[flipped.length - 3] ^= 0x10;
    expectError(flipped, 'data checksum mismatch');
    expectError(Buffer.concat([full, Buffer.alloc(4)]), '4 unexpected bytes after the');
    // A damaged manifest: claim a bigger shape than the data holds.
    const header = JSON.parse(full.toString('utf8', 12, 12 + full.readUInt32LE(8)));
    header.tensors[0].shape = [2, 4];
    const hj = Buffer.from(JSON.stringify(header));
    const pre = Buffer.alloc(12);
    pre.write('DGMCKPT1', 0, 'latin1');
    pre.writeUInt32LE(hj.length, 8);
    expectError(Buffer.concat([pre, hj, Buffer.alloc((4 - ((12 + hj.length) % 4)) % 4)]), 'tensor a.bias has offset 24, expected 32');
    expect(() => readCheckpoint(path.join(dir, 'nope.ckpt'))).toThrow(`checkpoint ${path.join(dir, 'nope.ckpt')}: file not found`);
  });

  test('writeCheckpoint rejects inconsistent input with the tensor named', () => {
    const file = path.join(dir, 'x.ckpt');
    const c = sample();
    expect(() => writeCheckpoint(file, { ...c, tensors: [{ name: 'w', shape: [2, 2], data: new Float32Array(3) }] })).toThrow(
      'tensor w has 3 values but shape [2,2] needs 4',
    );
    expect(() => writeCheckpoint(file, { ...c, tensors: [c.tensors[0], c.tensors[0]] })).toThrow('tensor name a.kernel appears twice');
    expect(() => writeCheckpoint(file, { ...c, rng: [1, 2, 3] as unknown as Checkpoint['rng'] })).toThrow('rng must be 4 unsigned 32-bit integers');
    expect(fs.existsSync(file)).toBe(false);
  });
});

const STACK: Stack = [
  { kind: 'dense', name: 'ck.d1', inFeatures: 2, units: 4 },
  { kind: 'batchNorm', name: 'ck.bn', features: 4, eps: 1e-5, momentum: 0.1 },
  { kind: 'tanh' },
  { kind: 'dense', name: 'ck.d2', inFeatures: 4, units: 1 },
];

function disposeAll(params: Params, opt?: tf.Optimizer) {
  for (const v of params.values()) v.dispose();
  opt?.dispose();
}

async function withModel<T>(seed: number, fn: (params: Params, opt: tf.Optimizer) => Promise<T>): Promise<T> {
  const params = initParams(STACK, new Random(seed));
  const opt = tf.train.adam(0.05);
  try {
    return await fn(params, opt);
  } finally {
    disposeAll(params, opt);
  }
}

function adamSteps(params: Params, opt: tf.Optimizer, rng: Random, k: number) {
  for (let i = 0; i < k; i++) {
    tf.tidy(() => {
      const x = tf.tensor2d(rng.fillNormal(new Float32Array(16)), [8, 2]);
      opt.minimize(() => tf.mean(tf.square(applyStack(STACK, params, x, { training: true }))) as tf.Scalar, false, trainable(params));
    });
  }
}

describe('params and optimizer state', () => {
  test('Adam state round trip: a restored model continues bit-identically (batch-norm running stats included)', async () => {
    const file = path.join(dir, 'p.ckpt');
    // Model A: 18 steps, checkpoint, 5 more steps. After 18 steps Adam's running beta2^t (a product of 18 float32
    // multiplications) differs in the last bit from pow(beta2, 19), which is what tfjs' setWeights() alone would
    // restore: checked below, so this test fails if the checkpoint did not carry accBeta1/accBeta2.
    const rngA = new Random(5);
    const a = await withModel(3, async (params, opt) => {
      adamSteps(params, opt, rngA, 18);
      const tensors = [...paramsToTensors(params), ...(await optimizerToTensors('adam', opt))];
      writeCheckpoint(file, { kind: 'k', config: {}, step: 18, epoch: 0, tensors, rng: rngA.getState(), meta: {} });
      adamSteps(params, opt, rngA, 5);
      return { params: paramsToTensors(params), opt: await optimizerToTensors('adam', opt) };
    });
    // Model B: fresh variables with other initial values, restored from the file, then the same 5 steps.
    const b = await withModel(99, async (params, opt) => {
      const ck = readCheckpoint(file);
      loadParams(params, ck.tensors, file);
      await loadOptimizer('adam', opt, ck.tensors, params, file);
      expect(opt.iterations).toBe(18);
      const savedAcc2 = ck.tensors.find((t) => t.name === 'opt/adam/accBeta2')!.data[0];
      expect(tf.tidy(() => tf.pow(0.999, 19).dataSync()[0])).not.toBe(savedAcc2);
      adamSteps(params, opt, Random.fromState(ck.rng), 5);
      return { params: paramsToTensors(params), opt: await optimizerToTensors('adam', opt) };
    });
    const [expected, got, expectedOpt, gotOpt] = [a.params, b.params, a.opt, b.opt];
    expect(got.map((t) => t.name)).toEqual(expected.map((t) => t.name));
    expect(got.map((t) => t.name)).toContain('ck.bn.runningVar');
    got.forEach((t, i) => expect(bytesOf(t.data).equals(bytesOf(expected[i].data))).toBe(true));
    expect(gotOpt.map((t) => t.name)).toEqual(expectedOpt.map((t) => t.name));
    expect(gotOpt.map((t) => t.name).slice(0, 2)).toEqual(['opt/adam/iter', 'opt/adam/ck.d1.kernel/m']);
    gotOpt.forEach((t, i) => expect(bytesOf(t.data).equals(bytesOf(expectedOpt[i].data))).toBe(true));
  });

  test('loadParams names missing, extra and mis-shaped parameters', () => {
    const params = initParams(STACK, new Random(1));
    const tensors = paramsToTensors(params);
    try {
      expect(() => loadParams(params, tensors.slice(1), 'f.ckpt')).toThrow('f.ckpt does not match the model (missing parameters: ck.d1.kernel)');
      expect(() => loadParams(params, [...tensors, { name: 'zz', shape: [1], data: new Float32Array(1) }], 'f.ckpt')).toThrow(
        'parameters the model does not have: zz',
      );
      const wrong = tensors.map((t) => (t.name === 'ck.d2.bias' ? { ...t, shape: [1, 1] } : t));
      expect(() => loadParams(params, wrong, 'f.ckpt')).toThrow('shape mismatches: ck.d2.bias: checkpoint [1,1] vs model [1]');
    } finally {
      disposeAll(params);
    }
  });

  test('loadOptimizer refuses a used optimizer, a missing prefix and slots for unknown variables', async () => {
    const params = initParams(STACK, new Random(1));
    const opt = tf.train.adam(0.01);
    try {
      adamSteps(params, opt, new Random(2), 1);
      const saved = await optimizerToTensors('g', opt);
      expect(saved.every((t) => t.name.startsWith('opt/g/'))).toBe(true);
      await expect(loadOptimizer('g', opt, saved, params, 'f.ckpt')).rejects.toThrow('can only be restored into a fresh optimizer');
      const fresh = tf.train.adam(0.01);
      await expect(loadOptimizer('d', fresh, saved, params, 'f.ckpt')).rejects.toThrow('no state saved under opt/d/ (optimizers in the checkpoint: g)');
      const renamed = saved.map((t) => ({ ...t, name: t.name.replace('ck.d1.kernel', 'other.kernel') }));
      await expect(loadOptimizer('g', fresh, renamed, params, 'f.ckpt')).rejects.toThrow('slot other.kernel/m belongs to a variable the model does not have');
      fresh.dispose();
    } finally {
      disposeAll(params, opt);
    }
  });

  test('saving optimizer state does not leak tensors', async () => {
    const params = initParams(STACK, new Random(1));
    const opt = tf.train.adam(0.01);
    try {
      adamSteps(params, opt, new Random(2), 1);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) await optimizerToTensors('adam', opt);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      disposeAll(params, opt);
    }
  });
});
