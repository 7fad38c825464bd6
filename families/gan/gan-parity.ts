/** Parity of an exported GAN against its tfjs definition: generator images on seeded noise, discriminator logits on those images and on real ones. */
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../../runtime/core/random';
import type { ParityCheck } from '../../export/card';
import type { Feed } from '../../export/ort';
import { check, DEFAULT_PARITY_N, int64, ortRun, RealImages, tfBatched, TOLERANCE } from '../../export/validate';
import type { Params } from '../../training/nets/layers';
import { GanDefinition, discriminate, generate } from './gan-nets';

export async function ganParity(
  def: GanDefinition,
  params: Params,
  files: { generator: string; discriminator: string },
  bytes: { generator: Uint8Array; discriminator: Uint8Array },
  opts: { n?: number; seed?: number; real?: RealImages } = {},
): Promise<ParityCheck[]> {
  const n = opts.n ?? DEFAULT_PARITY_N;
  const rng = new Random(opts.seed ?? 1234, 0x70617269);
  const { dimZ, numClasses: k } = def.config;
  const z = rng.fillNormal(new Float32Array(n * dimZ));
  const labels = k > 0 ? Int32Array.from({ length: n }, (_, i) => i % k) : null;
  const [h, w, c] = def.imageShape;
  const px = h * w * c;
  const labelFeed = (l: Int32Array | null, m: number): Record<string, Feed> => (l ? { label: { data: int64(l), dims: [m] } } : {});
  const labelsOf = (l: Int32Array | null, s: number, m: number) => (l ? tf.tensor1d(l.subarray(s, s + m), 'int32') : null);

  const images = tfBatched(n, (s, m) => generate(def, params, tf.tensor2d(z.subarray(s * dimZ, (s + m) * dimZ), [m, dimZ]), labelsOf(labels, s, m), { training: false }));
  const gOut = await ortRun(bytes.generator, { z: { data: z, dims: [n, dimZ] }, ...labelFeed(labels, n) });
  const zText = `${n} z ~ N(0, I)${k > 0 ? ', labels i mod ' + k : ''}`;
  const checks = [check(files.generator, 'image', zText, n, gOut.image, images, TOLERANCE.image)];

  const logitsOf = async (x: Float32Array, l: Int32Array | null, m: number, what: string) => {
    const want = tfBatched(m, (s, mm) => discriminate(def, params, tf.tensor4d(x.subarray(s * px, (s + mm) * px), [mm, h, w, c]), labelsOf(l, s, mm)));
    const got = await ortRun(bytes.discriminator, { x: { data: x, dims: [m, c, h, w] }, ...labelFeed(l, m) });
    checks.push(check(files.discriminator, 'logit', what, m, got.logit, want, TOLERANCE.logit));
  };
  // One channel: the NHWC tfjs images are already the NCHW bytes the graph takes.
  if (c !== 1) throw new Error(`parity: images with ${c} channels need an NHWC -> NCHW conversion`);
  await logitsOf(images, labels, n, `${n} generated images (tfjs generator outputs)`);
  if (opts.real) await logitsOf(opts.real.pixels, k > 0 ? opts.real.labels : null, opts.real.n, opts.real.what);
  return checks;
}

