/**
 * `dgm eval`: the quality figures of every exported model, measured with the exported classifier on
 * onnxruntime-node.
 *
 *  - classifier: test accuracy on the 10000 Fashion-MNIST test images (target >= 92%), per class.
 *  - floor: FID / KID between `samples` training images and the test images (what a perfect generator would get).
 *  - GANs (the runs of every family of type 'gan'): `samples` images (seeded noise; a conditional model gets class i mod 10 for sample
 *    i), clipped to the pixel range [-1, 1] (what a PNG shows), against the test images: FID-FMNIST, KID, the
 *    histogram of predicted classes; for a conditional model the class fidelity (classifier accuracy against the
 *    requested labels, per class, and the confusion matrix).
 *  - flows (the runs of every family of type 'flow'): test log-likelihood. Flows over images: log p(x) of the 10000 test images dequantised with fixed noise
 *    (x in [0,1)^D, logit Jacobian included: runtime/core/data-transform.ts) in nats, and bits/dim of the 8-bit
 *    data. 2-D moons flows: nats per point in the standardised coordinates the model was trained in, on the moons test set.
 *  - sample grids: reports/<model>-samples.png beside reports/real-test.png.
 *
 * A model whose folder under models/ is missing is listed as "not trained": nothing is ever filled in for it.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Flow, GanSampler, ModelCard, readModelCard } from '../runtime/node';
import { summarizeLogProb } from '../runtime/core/log-prob-summary';
import { Random } from '../runtime/core/random';
import { boundsOf, drawPoints, gridPoints, heatmap } from '../runtime/core/plot2d';
import { CLASS_NAMES, findFashionMnist, readSplit, toSymmetric } from '../training/data/fashion-mnist';
import { makeMoons } from '../training/data/moons';
import { encodePng, writeImageGrid } from '../training/harness/image-grid';
import { writeFileAtomic } from '../training/harness/atomic-write';
import { argmaxRows, ClassFidelity, classFidelity, predictedHistogram } from './class-fidelity';
import { ClassifierModel } from './classifier-model';
import { frechetDistance, gaussianStats, GaussianStats } from './fid';
import { kid, KidResult } from './kid';
import { runsOfType } from '../families/registry';

export const EVAL_FORMAT = 'dgm-eval/1';

/** The runs eval scores as generators and as flows: every run of a 'gan' / 'flow' family (families/registry.ts). */
export function ganModels(): string[] {
  return runsOfType('gan').map((r) => r.name);
}
export function flowModels(): string[] {
  return runsOfType('flow').map((r) => r.name);
}
export const CLASSIFIER_TARGET = 0.92;

export interface EvalOptions {
  modelsDir: string;
  /** Folder (or .onnx) of the classifier; default <modelsDir>/classifier. */
  classifier?: string;
  outDir: string;
  dataDir?: string;
  /** Generated images per GAN, and real training images for the floor (default 10000). */
  samples: number;
  kidSubsets: number;
  kidSubsetSize: number;
  seed: number;
  threads: number;
  /** Models to evaluate (default: all known). */
  only?: string[];
  log: (line: string) => void;
}

export interface FidKid {
  fid: number;
  fidMeanTerm: number;
  fidCovTerm: number;
  kid: KidResult;
}

/** Where an exported model came from (its card's training facts). */
export interface Provenance {
  run?: string;
  step?: number;
  epoch?: number;
}

export interface GanRow {
  name: string;
  status: 'evaluated' | 'not trained';
  kind?: string;
  from?: Provenance;
  samples?: number;
  quality?: FidKid;
  /** Fraction of samples the classifier assigns to each class. */
  predictedClasses?: number[];
  classFidelity?: ClassFidelity;
  grid?: string;
  seconds?: number;
}

export interface FlowRow {
  name: string;
  status: 'evaluated' | 'not trained';
  kind?: string;
  from?: Provenance;
  testLogLik?: number;
  units?: string;
  bitsPerDim?: number;
  /** Median over the test rows; far from the mean when a few rows own it. */
  medianBitsPerDim?: number;
  /** The test row with the lowest log-likelihood (index in the test set, value in `units`). */
  lowest?: { index: number; logLik: number };
  n?: number;
  /** Samples (from the eval seed) that diverged (runtime/core/flow.ts divergedRows), of how many drawn; the grid redraws them. */
  diverged?: { rows: number; of: number };
  grid?: string;
  seconds?: number;
}

/** Samples drawn to measure how often an image flow's sampler diverges. */
export const DIVERGENCE_SAMPLES = 512;

export interface EvalReport {
  format: typeof EVAL_FORMAT;
  createdAt: string;
  machine: { cpu: string; cores: number };
  /** The classifier's parts (featureExtractor, classifier, floor) are there when the report scores a GAN: a report
   *  of flows only (`--only maf-fmnist`) needs no classifier and has none of them. */
  featureExtractor?: { id: string; classifier: string; features: number };
  settings: { samples: number; kidSubsets: number; kidSubsetSize: number; seed: number; clip: string };
  classifier?: ClassifierFigures;
  floor?: { what: string; quality: FidKid };
  gans: GanRow[];
  flows: FlowRow[];
  realGrid: string;
}

export interface ClassifierFigures { testAccuracy: number; target: number; perClass: Record<string, number>; n: number; training: unknown }

/** Whether a run with these `--only` names scores a GAN, the one thing the classifier is needed for (its features). */
export function needsClassifier(only: readonly string[] | undefined): boolean {
  return ganModels().some((name) => !only || only.includes(name));
}

export function machineFacts(): { cpu: string; cores: number } {
  const cpus = os.cpus();
  return { cpu: cpus[0]?.model?.trim() ?? 'unknown', cores: cpus.length };
}

function quality(a: GaussianStats, b: GaussianStats, fa: Float32Array, fb: Float32Array, d: number, o: EvalOptions): FidKid {
  const f = frechetDistance(a, b);
  const k = kid(fa, a.n, fb, b.n, d, { subsets: o.kidSubsets, subsetSize: o.kidSubsetSize, seed: o.seed });
  return { fid: f.value, fidMeanTerm: f.meanTerm, fidCovTerm: f.covTerm, kid: k };
}

function clipToRange(x: Float32Array, lo: number, hi: number): Float32Array {
  return x.map((v) => Math.min(hi, Math.max(lo, v)));
}

function provenance(card: ModelCard): Provenance {
  const t = card.training as { run?: unknown; step?: unknown; epoch?: unknown } | undefined;
  return {
    run: typeof t?.run === 'string' ? t.run : undefined,
    step: typeof t?.step === 'number' ? t.step : undefined,
    epoch: typeof t?.epoch === 'number' ? t.epoch : undefined,
  };
}

function modelDir(o: EvalOptions, name: string): string | null {
  const dir = path.join(o.modelsDir, name);
  return fs.existsSync(path.join(dir, 'model.onnx')) ? dir : null;
}

async function timed<T>(o: EvalOptions, what: string, f: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  o.log(`eval: ${what}...`);
  const r = await f();
  o.log(`eval: ${what}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return r;
}

type Split = ReturnType<typeof readSplit>;

/** The classifier's part of the report: its test accuracy, the floor, and every wanted GAN scored in its features. */
async function scoreWithClassifier(o: EvalOptions, wanted: (name: string) => boolean, test: Split, train: Split, testPixels: Float32Array): Promise<Required<Pick<EvalReport, 'featureExtractor' | 'classifier' | 'floor'>> & { gans: GanRow[] }> {
  const px = test.rows * test.cols;
  const cls = await ClassifierModel.load(o.classifier ?? path.join(o.modelsDir, 'classifier'), o.threads);
  const d = cls.info.features;
  const k = cls.info.numClasses;
  try {
    const testOut = await timed(o, `classifier on ${test.n} test images`, () => cls.run(testPixels, test.n));
    const predicted = argmaxRows(testOut.logits, k);
    const accuracy = classFidelity(Int32Array.from(test.labels), predicted, k);
    const testStats = gaussianStats(testOut.features, test.n, d);

    const nReal = Math.min(o.samples, train.n);
    const trainIdx = new Random(o.seed, 0x666c72).permutation(train.n).subarray(0, nReal);
    const trainPixels = new Float32Array(nReal * px);
    trainIdx.forEach((r, i) => trainPixels.set(toSymmetric(train.images.subarray(r * px, (r + 1) * px)), i * px));
    const trainFeatures = (await timed(o, `classifier on ${nReal} training images (the floor)`, () => cls.run(trainPixels, nReal))).features;
    const floor = quality(gaussianStats(trainFeatures, nReal, d), testStats, trainFeatures, testOut.features, d, o);

    const gans: GanRow[] = [];
    for (const name of ganModels().filter(wanted)) {
      const dir = modelDir(o, name);
      if (!dir) {
        gans.push({ name, status: 'not trained' });
        continue;
      }
      const t0 = Date.now();
      const sampler = await GanSampler.load(dir, { provider: 'cpu', threads: o.threads, log: o.log });
      try {
        const s = await timed(o, `${name}: ${o.samples} samples`, () => sampler.sample({ n: o.samples, seed: o.seed }));
        const [lo, hi] = s.images.range;
        const images = clipToRange(s.images.data, lo, hi);
        const grid = `${name}-samples.png`;
        const im = sampler.spec.image;
        writeImageGrid(path.join(o.outDir, grid), images.subarray(0, 100 * im.channels * im.height * im.width), [100, im.height, im.width, im.channels], { range: [lo, hi], cols: 10, pad: 2, scale: 2 });
        // The classifier takes [-1, 1]; a generator trained on another range is mapped onto it.
        const scaled = lo === -1 && hi === 1 ? images : images.map((v) => ((v - lo) / (hi - lo)) * 2 - 1);
        const out = await timed(o, `${name}: classifier features`, () => cls.run(scaled, o.samples));
        const preds = argmaxRows(out.logits, k);
        const q = quality(gaussianStats(out.features, o.samples, d), testStats, out.features, testOut.features, d, o);
        gans.push({
          name,
          status: 'evaluated',
          kind: sampler.spec.kind,
          from: provenance(readModelCard(dir)),
          samples: o.samples,
          quality: q,
          predictedClasses: predictedHistogram(preds, k),
          classFidelity: s.labels ? classFidelity(s.labels, preds, k) : undefined,
          grid,
          seconds: (Date.now() - t0) / 1000,
        });
      } finally {
        await sampler.release();
      }
    }
    return {
      featureExtractor: { id: cls.info.extractorId, classifier: path.relative(process.cwd(), cls.info.file), features: d },
      classifier: {
        testAccuracy: accuracy.accuracy,
        target: CLASSIFIER_TARGET,
        perClass: Object.fromEntries((cls.info.classNames.length ? cls.info.classNames : CLASS_NAMES).map((c, j) => [c, accuracy.perClass[j]])),
        n: test.n,
        training: cls.info.training,
      },
      floor: { what: `${nReal} training images vs the ${test.n} test images`, quality: floor },
      gans,
    };
  } finally {
    await cls.release();
  }
}

export async function runEval(o: EvalOptions): Promise<EvalReport> {
  if (!Number.isInteger(o.samples) || o.samples < 2) throw new Error(`samples must be an integer >= 2, got ${o.samples}`);
  const wanted = (name: string) => !o.only || o.only.includes(name);
  const loc = findFashionMnist({ dir: o.dataDir, download: 'never', quiet: true });
  if (!loc) throw new Error('Fashion-MNIST not found (dgm data downloads it, or install Debian dataset-fashion-mnist)');
  const test = readSplit(loc, 'test');
  const train = readSplit(loc, 'train');
  const testPixels = toSymmetric(test.images);
  // The image shape is the data's (one channel): grids and the classifier's input read it from here.
  const px = test.rows * test.cols;
  const shape = [test.rows, test.cols, 1] as const;
  fs.mkdirSync(o.outDir, { recursive: true });

  // Flows are scored by their own likelihood: a report of flows only loads no classifier.
  const scored = needsClassifier(o.only) ? await scoreWithClassifier(o, wanted, test, train, testPixels) : undefined;
  const realGrid = 'real-test.png';
  writeImageGrid(path.join(o.outDir, realGrid), testPixels.subarray(0, 100 * px), [100, ...shape], { range: [-1, 1], cols: 10, pad: 2, scale: 2 });

  const flows: FlowRow[] = [];
  for (const name of flowModels().filter(wanted)) {
    const dir = modelDir(o, name);
    if (!dir) {
      flows.push({ name, status: 'not trained' });
      continue;
    }
    const t0 = Date.now();
    const flow = await Flow.load(dir, { provider: 'cpu', threads: o.threads, log: o.log });
    try {
      // One read of the card (the whole .onnx file, tens of MB for the image flow) for both facts.
      const card = readModelCard(dir);
      flows.push({ ...(await evalFlow(o, name, flow, card.data?.details, test.images, test.n)), from: provenance(card), seconds: (Date.now() - t0) / 1000 });
    } finally {
      await flow.release();
    }
  }

  return {
    format: EVAL_FORMAT,
    createdAt: new Date().toISOString(),
    machine: machineFacts(),
    ...(scored ? { featureExtractor: scored.featureExtractor } : {}),
    settings: { samples: o.samples, kidSubsets: o.kidSubsets, kidSubsetSize: o.kidSubsetSize, seed: o.seed, clip: 'Generated pixels are clipped to the pixel range of the model card before feature extraction' },
    ...(scored ? { classifier: scored.classifier, floor: scored.floor } : {}),
    gans: scored?.gans ?? [],
    flows,
    realGrid,
  };
}

/** The moons data settings a maf-moons run writes into its config (card data.details): dataset, seed, n. */
function moonsSettings(details: Record<string, unknown> | undefined): { seed: number; n: number } | null {
  if (!details || details.dataset !== 'moons' || typeof details.seed !== 'number' || typeof details.n !== 'number') return null;
  return { seed: details.seed, n: details.n };
}

function meanOf(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
}

async function evalFlow(o: EvalOptions, name: string, flow: Flow, details: Record<string, unknown> | undefined, testImages: Uint8Array, nTest: number): Promise<FlowRow> {
  const spec = flow.spec;
  const grid = `${name}-samples.png`;
  const im = spec.image;
  if (im && spec.transform.kind === 'logit' && im.height * im.width === spec.dims && nTest * spec.dims === testImages.length) {
    const lp = await timed(o, `${name}: log-likelihood of ${nTest} test images`, () => flow.logProbData(Float32Array.from(testImages), o.seed));
    // The means stay over every row (a non-finite one makes them non-finite, as it should); the summary adds median and lowest.
    const ll = summarizeLogProb(lp.logProb), bits = summarizeLogProb(lp.bitsPerDim!);
    const div = await timed(o, `${name}: ${DIVERGENCE_SAMPLES} samples, counting those that diverge`, () => flow.sample({ n: DIVERGENCE_SAMPLES, seed: o.seed }));
    const s = await timed(o, `${name}: 64 samples for the grid (diverged ones drawn again)`, () => flow.sample({ n: 64, seed: o.seed, redrawDiverged: true }));
    writeImageGrid(path.join(o.outDir, grid), s.data, [64, im.height, im.width, im.channels], { range: [0, 1], cols: 8, pad: 2, scale: 2 });
    return {
      name,
      status: 'evaluated',
      kind: spec.kind,
      testLogLik: meanOf(lp.logProb),
      units: `nats per image, density of dequantised pixels x in [0,1)^${spec.dims} (logit Jacobian included)`,
      bitsPerDim: meanOf(lp.bitsPerDim!),
      medianBitsPerDim: bits.median,
      lowest: { index: ll.lowest.index, logLik: ll.lowest.value },
      n: nTest,
      diverged: { rows: div.diverged.length, of: DIVERGENCE_SAMPLES },
      grid,
    };
  }
  if (spec.dims === 2) {
    const data = moonsSettings(details);
    if (!data) return { name, status: 'evaluated', kind: spec.kind, units: 'no test set known for this 2-D flow (its card names no moons data settings)' };
    const moons = makeMoons({ seed: data.seed, n: data.n });
    const lp = await timed(o, `${name}: log-likelihood of ${moons.test.length / 2} test points`, async () => (await flow.logProb(moons.test)).logProb);
    const ll = summarizeLogProb(lp);
    await writeMoonsPicture(path.join(o.outDir, grid), flow, moons.test, (await flow.sample({ n: 1000, seed: o.seed })).x);
    return { name, status: 'evaluated', kind: spec.kind, testLogLik: meanOf(lp), lowest: { index: ll.lowest.index, logLik: ll.lowest.value }, units: 'nats per point, standardized coordinates (as trained)', n: moons.test.length / 2, grid };
  }
  return { name, status: 'evaluated', kind: spec.kind, units: `no evaluation defined for a ${spec.dims}-D flow in ${spec.space}` };
}

async function writeMoonsPicture(file: string, flow: Flow, test: Float32Array, samples: Float32Array): Promise<void> {
  const b = boundsOf(test);
  const gw = 120, gh = 120, size = 360;
  const logp = (await flow.logProb(gridPoints(b, gw, gh))).logProb;
  const rgba = heatmap(logp, gw, gh, size, size);
  drawPoints(rgba, size, size, samples, b, [80, 220, 255], 2);
  writeFileAtomic(file, encodePng({ width: size, height: size, data: new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.byteLength) }));
}
