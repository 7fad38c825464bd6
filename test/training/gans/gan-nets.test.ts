/**
 * The GAN networks against the architecture and PyTorch's conventions: parameter counts worked out by hand,
 * intermediate shapes, pixel shuffle against PyTorch's PixelShuffle index formula, the discriminator's padded
 * strided convolution against a plain-JS cross-correlation, and both conditional heads against their formulas.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../training/backend';
import { Random } from '../../../runtime/core/random';
import { applyStack, paramShapes, pixelShuffle } from '../../../training/nets/layers';
import { nsDiscriminatorLoss, nsGeneratorLoss } from '../../../families/gan/gan-losses';
import {
  CGAN_DEFAULTS,
  discriminate,
  discriminatorFeatures,
  ganDefinition,
  ganNetConfig,
  generate,
  headStack,
  initGanParams,
} from '../../../families/gan/gan-nets';

beforeAll(async () => {
  await initBackend({ backend: 'cpu', quiet: true }); // also registers tfjs' gradients
});

// tfjs names variables globally and the seeded init of ~3.3M parameters takes seconds under jest: each test
// builds the one model it needs through `model`, which keeps a single model alive at a time.
let current: { key: string; value: ReturnType<typeof build> } | null = null;
function build(cfg: Parameters<typeof ganDefinition>[0]) {
  const def = ganDefinition(cfg);
  return { def, ...initGanParams(def, new Random(3)) };
}
function model(cfg: Parameters<typeof ganDefinition>[0] = {}) {
  const key = JSON.stringify(cfg);
  if (current?.key !== key) {
    tf.disposeVariables();
    current = { key, value: build(cfg) };
  }
  return current.value;
}

const count = (shapes: { shape: number[]; trainable: boolean }[], trainableOnly = true) =>
  shapes.filter((p) => p.trainable || !trainableOnly).reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);

test('parameter counts match the issue architecture (worked out by hand)', () => {
  const def = ganDefinition();
  // fc1 64*512+512, bn1 2*512, fc2 512*3136+3136, bn2 2*3136, conv1 3*3*16*32+32, bn3 2*32, conv2 3*3*8*1+1
  const gen = 64 * 512 + 512 + 1024 + 512 * 3136 + 3136 + 2 * 3136 + 3 * 3 * 16 * 32 + 32 + 64 + 3 * 3 * 8 + 1;
  expect(count(def.generator.stack.flatMap(paramShapes))).toBe(gen);
  expect(gen).toBe(1654121);
  // conv1 4*4*1*32+32, conv2 4*4*32*64+64, fc1 3136*512+512, out 512+1
  const disc = 4 * 4 * 32 + 32 + 4 * 4 * 32 * 64 + 64 + 3136 * 512 + 512 + 513;
  expect(count([...def.discriminator.trunk, ...headStack(def.discriminator.head)].flatMap(paramShapes))).toBe(disc);
  // Conditional: 10 more inputs to fc1; projection head 512 x 10 + 10 instead of 512 + 1.
  const cdef = ganDefinition(CGAN_DEFAULTS);
  expect(count(cdef.generator.stack.flatMap(paramShapes))).toBe(gen + 10 * 512);
  expect(count([...cdef.discriminator.trunk, ...headStack(cdef.discriminator.head)].flatMap(paramShapes))).toBe(disc - 513 + 5130);
});

test('shapes: 7x7x64 -> pixel shuffle 14x14x16 -> conv 32 -> 28x28x8 -> 1 channel; discriminator 28 -> 14 -> 7 -> 512 -> 1', () => {
  const { def, gen, disc } = model();
  const z = tf.randomNormal([3, 64]) as tf.Tensor2D;
  const shapes: number[][] = [];
  let x: tf.Tensor = z;
  for (const layer of def.generator.stack) {
    x = applyStack([layer], gen, x, { training: true });
    shapes.push(x.shape.slice(1));
  }
  expect(shapes).toEqual([[512], [512], [512], [3136], [3136], [3136], [7, 7, 64], [14, 14, 16], [14, 14, 32], [14, 14, 32], [14, 14, 32], [28, 28, 8], [28, 28, 1]]);
  expect(generate(def, gen, z, null, { training: false }).shape).toEqual([3, 28, 28, 1]);
  const dshapes: number[][] = [];
  let y: tf.Tensor = tf.zeros([3, 28, 28, 1]);
  for (const layer of def.discriminator.trunk) {
    y = applyStack([layer], disc, y, { training: true });
    dshapes.push(y.shape.slice(1));
  }
  expect(dshapes).toEqual([[14, 14, 32], [14, 14, 32], [7, 7, 64], [7, 7, 64], [3136], [512], [512]]);
  expect(discriminate(def, disc, tf.zeros([3, 28, 28, 1]) as tf.Tensor4D, null).shape).toEqual([3]);
});

/** At initialisation (PyTorch's default init) the logits are near 0, so L_D ~ 2 ln 2 and L_G ~ ln 2. */
function checkInitialLosses(cfg: Parameters<typeof ganDefinition>[0]) {
  const { def, gen, disc } = model(cfg);
  const num = (t: tf.Tensor) => t.dataSync()[0];
  const n = 8;
  const rng = new Random(4);
  const labels = def.config.numClasses ? tf.tensor1d(Array.from({ length: n }, (_, i) => i % 10), 'int32') : null;
  const real = tf.tensor4d(rng.fillUniform(new Float32Array(n * 784), -1, 1), [n, 28, 28, 1]);
  const z = tf.tensor2d(rng.fillNormal(new Float32Array(n * def.config.dimZ)), [n, def.config.dimZ]);
  const fake = generate(def, gen, z, labels, { training: true, updateStats: false });
  const hr = discriminate(def, disc, real, labels), hf = discriminate(def, disc, fake, labels);
  const maxAbs = Math.max(num(tf.max(tf.abs(hr))), num(tf.max(tf.abs(hf))));
  expect(maxAbs).toBeLessThan(0.2);
  // softplus(+-h) = ln 2 +- h/2 + h^2/8 + O(h^4), so each mean is within max|h|/2 + max|h|^2/8 of ln 2.
  const bound = maxAbs / 2 + (maxAbs * maxAbs) / 8 + 1e-6;
  expect(Math.abs(num(nsDiscriminatorLoss(hr, hf)) - 2 * Math.LN2)).toBeLessThanOrEqual(2 * bound);
  expect(Math.abs(num(nsGeneratorLoss(hf)) - Math.LN2)).toBeLessThanOrEqual(bound);
}

test('at initialisation the unconditional networks give logits near 0: L_D ~ 2 ln 2, L_G ~ ln 2', () => checkInitialLosses({}));

test('output tanh is off by default (the course generator) and on as an option', () => {
  expect(ganDefinition().generator.stack.at(-1)!.kind).toBe('conv2d');
  const withTanh = ganDefinition({ outputTanh: true }).generator.stack;
  expect(withTanh.at(-1)!.kind).toBe('tanh');
  expect(withTanh.slice(0, -1)).toEqual(ganDefinition().generator.stack);
});

test('pixel shuffle follows PyTorch PixelShuffle / ONNX DepthToSpace CRD: out[c, h*r+i, w*r+j] = in[c*r*r + i*r + j, h, w]', () => {
  const n = 2, h = 3, w = 2, c = 3, r = 2;
  const data = Float32Array.from({ length: n * h * w * c * r * r }, (_, i) => i);
  const out = pixelShuffle(tf.tensor4d(data, [n, h, w, c * r * r]), r);
  expect(out.shape).toEqual([n, h * r, w * r, c]);
  const got = out.dataSync();
  const crr = c * r * r;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      for (let y = 0; y < h * r; y++) {
        for (let x = 0; x < w * r; x++) {
          const inC = ch * r * r + (y % r) * r + (x % r);
          const inIdx = ((b * h + Math.floor(y / r)) * w + Math.floor(x / r)) * crr + inC; // NHWC input
          expect(got[((b * h * r + y) * w * r + x) * c + ch]).toBe(data[inIdx]);
        }
      }
    }
  }
});

test('the discriminator conv is PyTorch Conv2d(k=4, s=2, p=1): plain-JS cross-correlation with zero padding 1', () => {
  const { def, disc } = model();
  const layer = def.discriminator.trunk[0];
  if (layer.kind !== 'conv2d') throw new Error('first trunk layer should be a conv');
  const rng = new Random(4);
  const x = rng.fillUniform(new Float32Array(2 * 28 * 28), -1, 1);
  const got = applyStack([layer], disc, tf.tensor4d(x, [2, 28, 28, 1]), { training: true }).dataSync();
  const k = disc.get('disc.conv1.kernel')!.dataSync(), b = disc.get('disc.conv1.bias')!.dataSync();
  let maxErr = 0;
  for (let n = 0; n < 2; n++) {
    for (let oy = 0; oy < 14; oy++) {
      for (let ox = 0; ox < 14; ox++) {
        for (let f = 0; f < 32; f++) {
          let acc = b[f];
          for (let ky = 0; ky < 4; ky++) {
            for (let kx = 0; kx < 4; kx++) {
              const iy = oy * 2 - 1 + ky, ix = ox * 2 - 1 + kx;
              if (iy >= 0 && iy < 28 && ix >= 0 && ix < 28) acc += x[(n * 28 + iy) * 28 + ix] * k[(ky * 4 + kx) * 32 + f];
            }
          }
          maxErr = Math.max(maxErr, Math.abs(acc - got[((n * 14 + oy) * 14 + ox) * 32 + f]));
        }
      }
    }
  }
  expect(maxErr).toBeLessThan(1e-5);
});

describe('conditional discriminator heads', () => {
  function setup(head: 'projection' | 'miyato') {
    const { def, disc } = model({ ...CGAN_DEFAULTS, head });
    const n = 6;
    const x = tf.tensor4d(new Random(6).fillUniform(new Float32Array(n * 784), -1, 1), [n, 28, 28, 1]);
    const labels = [3, 0, 9, 3, 7, 1];
    const h = discriminate(def, disc, x, tf.tensor1d(labels, 'int32')).dataSync();
    const phi = discriminatorFeatures(def, disc, x).dataSync();
    const get = (name: string) => disc.get(name)!.dataSync();
    return { n, labels, h, phi, get };
  }

  test('Miyato-Koyama: h(x, y) = psi(phi(x)) + embed(y)^T phi(x); logits near 0 at initialisation', () => {
    checkInitialLosses({ ...CGAN_DEFAULTS, head: 'miyato' });
    const { n, labels, h, phi, get } = setup('miyato');
    const pw = get('disc.psi.kernel'), pb = get('disc.psi.bias'), e = get('disc.embed.weight'); // e: [10, 512]
    for (let i = 0; i < n; i++) {
      let ref = pb[0];
      for (let f = 0; f < 512; f++) ref += (pw[f] + e[labels[i] * 512 + f]) * phi[i * 512 + f];
      expect(h[i]).toBeCloseTo(ref, 5);
    }
  });

  test('projection: h(x, y) = y^T (A phi(x) + b); logits near 0 at initialisation', () => {
    checkInitialLosses({ ...CGAN_DEFAULTS, head: 'projection' });
    const { n, labels, h, phi, get } = setup('projection');
    const at = get('disc.proj.kernel'), b = get('disc.proj.bias'); // A^T as [512, 10]
    for (let i = 0; i < n; i++) {
      let ref = b[labels[i]];
      for (let f = 0; f < 512; f++) ref += at[f * 10 + labels[i]] * phi[i * 512 + f];
      expect(h[i]).toBeCloseTo(ref, 5);
    }
  });
});

test('conditional generator: the label enters as a one-hot after z, and changes the image', () => {
  const { def, gen } = model({ ...CGAN_DEFAULTS, head: 'projection' });
  expect(def.generator.inFeatures).toBe(74);
  const z = tf.tensor2d(new Random(8).fillNormal(new Float32Array(2 * 64)), [2, 64]);
  const a = generate(def, gen, z, tf.tensor1d([2, 2], 'int32'), { training: false });
  const b = generate(def, gen, z, tf.tensor1d([2, 5], 'int32'), { training: false });
  const manual = applyStack(def.generator.stack, gen, tf.concat([z, tf.cast(tf.oneHot(tf.tensor1d([2, 5], 'int32'), 10), 'float32')], 1), { training: false });
  expect(tf.max(tf.abs(tf.sub(b, manual))).dataSync()[0]).toBe(0);
  const diff = tf.sum(tf.abs(tf.sub(a, b)), [1, 2, 3]).dataSync();
  expect(diff[0]).toBe(0);
  expect(diff[1]).toBeGreaterThan(0);
});

test('bad configs and inputs get clear errors', () => {
  expect(() => ganNetConfig({ dimZ: 0 })).toThrow(/dimZ must be at least 1/);
  expect(() => ganNetConfig({ numClasses: 10, head: 'dense' })).toThrow(/needs head projection or miyato/);
  expect(() => ganNetConfig({ head: 'projection' })).toThrow(/needs numClasses > 0/);
  expect(() => ganNetConfig({ head: 'other' as never })).toThrow(/head must be dense, projection or miyato/);
  const { def, gen, disc } = model({ ...CGAN_DEFAULTS, head: 'projection' });
  expect(() => generate(def, gen, tf.zeros([2, 64]) as tf.Tensor2D, null, { training: false })).toThrow(/generator: this conditional model needs labels/);
  expect(() => generate(def, gen, tf.zeros([2, 63]) as tf.Tensor2D, null, { training: false })).toThrow(/z must be \[N, 64\], got \[2, 63\]/);
  expect(() => discriminate(def, disc, tf.zeros([2, 28, 28, 1]) as tf.Tensor4D, tf.tensor1d([1, 2]) as tf.Tensor1D)).toThrow(/labels must be int32 \[2\], got float32/);
  expect(() => discriminate(def, disc, tf.zeros([2, 14, 14, 1]) as tf.Tensor4D, tf.tensor1d([1, 2], 'int32'))).toThrow(/images must be \[N, 28, 28, 1\]/);
});
