/**
 * The webgpu training backend (tfjs-webgpu on Dawn) on Chromium's SwiftShader adapter, in child processes started
 * with the Vulkan loader's environment (runtime/vulkan-env.ts; jest's own process cannot take it):
 * - a few training steps of every model end with the cpu backend's parameters (steps-runner.ts): every element of
 *   every variable within float32 rounding of the variable's scale, except (a) biases a batch norm follows, whose
 *   gradient is exactly zero on paper (both backends compute rounding noise, which Adam's first step turns into
 *   +-lr), and (b) a small share of elements whose gradient is itself at rounding level (cancellation in the batch
 *   norm and convolution gradients), which Adam's normalised first steps move by up to lr either way. A wrong
 *   kernel shows as most elements of a variable off (upstream's split-K BatchMatMul gave relative errors near 1);
 * - `dgm train maf-moons --backend webgpu`, stopped and resumed, ends with the uninterrupted run's checkpoint.
 * Skipped, with a message, where Chromium's SwiftShader files are missing.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readCheckpoint } from '../../../training/harness/checkpoint';
import { reexecEnv, SWIFTSHADER_ICD, swiftShaderAvailable } from '../../../runtime/vulkan-env';

const ROOT = path.join(__dirname, '..', '..', '..');
const REGISTER = path.join(ROOT, 'test', 'helpers', 'swc-register.js');
const { JEST_WORKER_ID: _worker, ...BASE_ENV } = process.env;
const CHILD_ENV = reexecEnv(BASE_ENV) ?? BASE_ENV;

const available = swiftShaderAvailable();
if (!available) console.warn(`webgpu training tests skipped: ${SWIFTSHADER_ICD} is missing (apt-get install chromium)`);
const maybe = available ? describe : describe.skip;

interface Row {
  model: string;
  batch: number;
  steps: number;
  params: number;
  maxAbs: number;
  maxRel: number;
  maxMove: number;
  initDiff: number;
  offFraction: number;
  zeroGradientVariables: string[];
  perVariable: Record<string, { rel: number; abs: number; move: number; offFraction: number; zeroGradient: boolean }>;
  webgpuMsPerStep: number;
  cpuMsPerStep: number;
}

function child(script: string, args: string[]) {
  return spawnSync(process.execPath, ['-r', REGISTER, path.join(__dirname, script), ...args], { cwd: ROOT, env: CHILD_ENV, encoding: 'utf8', timeout: 900_000 });
}

maybe('webgpu backend on SwiftShader', () => {
  test('our BatchMatMul is registered for webgpu and matches cpu, split-K shapes with B transposed included', () => {
    const r = child('kernels-runner.ts', []);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { registered: boolean; rows: { name: string; output: number; gradA: number; gradB: number }[] };
    expect(out.registered).toBe(true);
    console.log(`webgpu BatchMatMul vs cpu (relative errors: output, dA, dB):\n${out.rows.map((x) => `${x.name}: ${x.output.toExponential(1)}, ${x.gradA.toExponential(1)}, ${x.gradB.toExponential(1)}`).join('\n')}`);
    for (const x of out.rows) expect({ name: x.name, worst: Math.max(x.output, x.gradA, x.gradB) < 1e-5 }).toEqual({ name: x.name, worst: true });
  }, 300_000);

  test('two training steps of every model end with the cpu backend\'s parameters', () => {
    const models = ['maf-moons:8', 'maf-fmnist:4', 'classifier:8', 'gan:4', 'cgan:4', 'wgan-gp:4'];
    const r = child('steps-runner.ts', ['2', ...models]);
    expect([r.status, r.stderr.split('\n').filter((l) => /Error|error/.test(l)).join('\n')]).toEqual([0, '']);
    const out = JSON.parse(r.stdout) as { backend: string; rows: Row[] };
    expect(out.backend).toMatch(/^backend: webgpu \(vendor google, architecture swiftshader/);
    const lines = out.rows.map((row) => {
      const kept = Object.values(row.perVariable).filter((v) => !v.zeroGradient);
      const worstKept = Math.max(...kept.map((v) => v.rel));
      return `${row.model} batch ${row.batch}, ${row.steps} steps, ${row.params} params: max |diff| ${row.maxAbs.toExponential(2)} (largest move ${row.maxMove.toExponential(2)}), elements off ${(100 * row.offFraction).toFixed(4)}%, worst relative ${worstKept.toExponential(2)} outside [${row.zeroGradientVariables.join(', ')}]; webgpu ${row.webgpuMsPerStep.toFixed(0)} ms/step, cpu ${row.cpuMsPerStep.toFixed(0)}`;
    });
    console.log(`webgpu vs cpu parameters after training steps (SwiftShader):\n${lines.join('\n')}`);
    for (const row of out.rows) {
      const kept = Object.entries(row.perVariable).filter(([, v]) => !v.zeroGradient);
      expect(row.initDiff).toBe(0);
      // A kernel that computes wrongly moves most elements of a variable (the split-K BatchMatMul did: relative errors near 1).
      expect({ model: row.model, off: row.offFraction < 0.01 }).toEqual({ model: row.model, off: true });
      for (const [name, v] of kept) expect({ name, off: v.offFraction < 0.05 }).toEqual({ name, off: true });
      // Whatever differs, differs by at most what Adam can move a weight in these steps (about lr a step, twice for opposite signs).
      for (const [name, v] of Object.entries(row.perVariable)) expect({ name, bounded: v.abs <= 2 * row.maxMove + 1e-7 }).toEqual({ name, bounded: true });
    }
  }, 900_000);

  test('dgm train maf-moons --backend webgpu: stopped and resumed ends with the uninterrupted run\'s checkpoint', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dgm-webgpu-resume-'));
    try {
      const common = ['--backend', 'webgpu', '--progress', 'none', '--seed', '4', '--checkpoint-every', '3'];
      const whole = child('train-child.ts', ['train', 'maf-moons', ...common, '--run-dir', path.join(root, 'a'), '--steps', '6']);
      expect([whole.status, whole.stderr]).toEqual([0, expect.stringMatching(/backend: webgpu \(vendor google, architecture swiftshader/)]);
      const first = child('train-child.ts', ['train', 'maf-moons', ...common, '--run-dir', path.join(root, 'b'), '--steps', '3']);
      expect(first.status).toBe(0);
      const resumed = child('train-child.ts', ['train', 'maf-moons', ...common, '--run-dir', path.join(root, 'b'), '--steps', '6', '--resume']);
      expect([resumed.status, resumed.stdout]).toEqual([0, expect.stringContaining('resumed from')]);
      const a = readCheckpoint(path.join(root, 'a', 'checkpoint.ckpt'));
      const b = readCheckpoint(path.join(root, 'b', 'checkpoint.ckpt'));
      expect([a.step, b.step]).toEqual([6, 6]);
      expect(b.tensors.map((t) => t.name)).toEqual(a.tensors.map((t) => t.name));
      let worst = 0;
      for (let i = 0; i < a.tensors.length; i++) for (let j = 0; j < a.tensors[i].data.length; j++) worst = Math.max(worst, Math.abs(a.tensors[i].data[j] - b.tensors[i].data[j]));
      console.log(`webgpu resume: max |diff| between the resumed and the uninterrupted checkpoint: ${worst}`);
      expect(worst).toBe(0);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  }, 300_000);
});
