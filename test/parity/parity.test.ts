/**
 * @jest-environment ./test/export/ort-environment.js
 *
 * Parity of exported models across runtimes, on fixed inputs: tfjs (the training definitions, cpu backend) vs
 * onnxruntime-node vs onnxruntime-web's wasm provider in Node vs Debian Chromium with the WebGPU provider
 * (SwiftShader's adapter on this GPU-less machine) and with wasm. Every pair's max |difference| must stay within
 * 1e-4 for images and logits and 1e-3 nats for log-likelihoods (flow samples: 1e-3, coordinates of order 1).
 * The models (a cGAN, a GAN, a 2-D flow and an 8x8 image flow, each flow as a MAF and as a RealNVP) are exported in the test from seeded random weights
 * by the project's own pipeline; a MobileNet-style net and an Embedding + LSTM + BiGRU text model are tfjs-layers
 * models converted by `dgm convert` (export/convert), with tfjs-layers' predict as the tfjs column. The table goes to reports/parity.md and the log.
 */
import * as fs from 'fs';
import * as path from 'path';
import { projectRoot } from '../../runtime/paths';
import { writeFileAtomic } from '../../training/harness/atomic-write';
import { exportGan, exportMaf, tmpDir, useTfCpu } from '../runtime/fixtures';
import { convertedCases, ganCases, mafCases, ParityCase, realnvpCases } from './cases';
import { exportRealNvp } from '../families/realnvp-fixture';
import { mobileNetStyle, textModel } from '../export/convert/architectures';
import { seedWeights } from '../export/convert/helpers';
import { runParity } from './run';
import { pairErrors, parityMarkdown } from './table';

export const PARITY_REPORT = path.join(projectRoot(), 'reports', 'parity.md');

describe('parity across runtimes', () => {
  const root = tmpDir('parity');
  const cases: ParityCase[] = [];

  beforeAll(async () => {
    await useTfCpu();
    // tfjs variables are global by name: each model's reference is computed, then its variables are released.
    for (const [name, cfg, seed] of [['cgan', { numClasses: 10, head: 'projection' as const }, 1], ['gan', { outputTanh: true }, 2]] as const) {
      const fx = await exportGan(root, name, cfg, seed);
      cases.push(...ganCases(name, fx.dir, fx.def, fx.gen, fx.disc));
      fx.dispose();
    }
    const moons = await exportMaf(root, 'maf-moons', { inputSize: 2, hiddenSize: 16, nHidden: 1, nFlows: 3 }, { space: 'standardized', details: { dataset: 'moons', mean: [0.5, 0.25], std: [0.87, 0.5] } });
    cases.push(...mafCases('maf-moons', moons.dir, moons.def, moons.params, 8, 'normal'));
    moons.dispose();
    // An image flow at 8x8: sampling is D sequential passes in tfjs (~1 s here at D = 64, over a minute at 784) and
    // D Loop iterations per flow on SwiftShader's WebGPU; the exported Loop graph is the same at every D.
    const image = await exportMaf(root, 'maf-image', { inputSize: 64, hiddenSize: 32, nHidden: 1, nFlows: 2 }, { space: 'logit', details: { dataset: 'fashion-mnist (8x8 fixture)', lambda: 1e-6, image: { channels: 1, height: 8, width: 8 } } });
    cases.push(...mafCases('maf-image', image.dir, image.def, image.params, 2, 'normal'));
    image.dispose();
    // RealNVP (families/realnvp): single-pass graphs, a 2-D flow and an 8x8 image flow (checkerboard, shuffled couplings).
    const rMoons = await exportRealNvp(root, 'realnvp-moons', { inputSize: 2, couplings: 4, hidden: 16, nHidden: 2, logScaleBound: 2, firstMask: 'identity' }, { space: 'standardized', details: { dataset: 'moons', mean: [0.5, 0.25], std: [0.87, 0.5] } });
    cases.push(...realnvpCases('realnvp-moons', rMoons.dir, rMoons.def, rMoons.params, 8, 'normal'));
    rMoons.dispose();
    const rImage = await exportRealNvp(root, 'realnvp-image', { inputSize: 64, couplings: 4, hidden: 32, nHidden: 2, logScaleBound: 2, firstMask: 'checkerboard', image: { height: 8, width: 8 }, shuffle: true }, { space: 'logit', details: { dataset: 'fashion-mnist (8x8 fixture)', lambda: 1e-6, image: { channels: 1, height: 8, width: 8 } } });
    cases.push(...realnvpCases('realnvp-image', rImage.dir, rImage.def, rImage.params, 2, 'normal'));
    rImage.dispose();
    for (const [name, build, seed] of [['convert-mobilenet-style', mobileNetStyle, 21], ['convert-lstm-text', textModel, 22]] as const) {
      const m = build();
      seedWeights(m, seed);
      cases.push(...(await convertedCases(name, path.join(root, name), m)));
      m.dispose();
    }
  }, 600_000);

  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  test('every pair of runtimes agrees within the bounds', async () => {
    const run = await runParity(cases);
    // Each runtime ran on the provider it was asked for.
    expect(run.providers['chromium-webgpu']).toEqual(cases.map(() => 'webgpu'));
    expect(run.providers['chromium-wasm']).toEqual(cases.map(() => 'wasm'));
    expect(run.providers['ort-web-node']).toEqual(cases.map(() => 'wasm'));
    expect(run.providers['ort-node']).toEqual(cases.map(() => 'cpu'));
    // onnxruntime's WebGPU provider has no kernel for tfjs's default GRU recurrent activation (hard sigmoid): the
    // converted text model alone is not run there, and its row says why.
    expect(run.providers['ort-node-webgpu']).toEqual(cases.map((c) => (c.job.model.includes('convert-lstm') ? 'not run' : 'webgpu')));
    for (const row of run.rows.filter((_, i) => run.providers['ort-node-webgpu'][i] === 'not run')) expect(row.inputs).toMatch(/node-gpu: not run \(onnxruntime's WebGPU provider: Unsupported GRU activation for WebGPU: HardSigmoid\)/);

    const table = parityMarkdown(run.rows);
    writeFileAtomic(PARITY_REPORT, `# Parity across runtimes (test/parity, models exported from seeded random weights)\n\n${table}\n${run.timing}\n`);
    console.log(`parity (also in ${path.relative(process.cwd(), PARITY_REPORT)}):\n${table}\n${run.timing}`);

    for (const row of run.rows) for (const r of Object.values(row.results)) expect(r!.length).toBe(row.results['ort-node']!.length);
    expect(run.rows.every((r) => r.results.tfjs !== undefined)).toBe(true);
    const failures = run.rows.flatMap((row) => pairErrors(row).filter((p) => !(p.err <= row.tolerance)).map((p) => `${row.model} ${row.output}: ${p.a} vs ${p.b} ${p.err} > ${row.tolerance}`));
    expect(failures).toEqual([]);
  }, 900_000);
});
