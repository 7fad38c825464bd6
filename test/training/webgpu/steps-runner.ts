/**
 * Child process of webgpu.test.ts (started with the Vulkan loader's environment, which jest's own process cannot
 * take): a few training steps of each model on webgpu and on cpu from the same initial weights and data, then the
 * parameters' differences. Prints one JSON object on stdout.
 *   node -r ./test/helpers/swc-register.js test/training/webgpu/steps-runner.ts steps model:batch ...
 */
import * as tf from '@tensorflow/tfjs-core';
import { backendInfo, initBackend, shutdownBackend } from '../../../training/backend';
import { structurallyZero, trainingModels, TrainingModel, trainingWorkload } from '../../../eval/bench/training-workloads';

function names(w: ReturnType<typeof trainingWorkload>): string[] {
  return w.variables().map((v) => v.name);
}

async function variables(w: ReturnType<typeof trainingWorkload>): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const v of w.variables()) out.push(Float32Array.from((await v.data()) as Float32Array));
  return out;
}

async function train(backend: 'webgpu' | 'cpu', model: TrainingModel, batch: number, steps: number) {
  await tf.setBackend(backend);
  const w = trainingWorkload(model, batch);
  try {
    const init = await variables(w);
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) await w.step();
    const after = await variables(w);
    return { init, after, names: names(w), ms: (performance.now() - t0) / steps };
  } finally {
    w.dispose();
  }
}

async function main(): Promise<void> {
  const [stepsArg, ...specs] = process.argv.slice(2);
  const steps = Number(stepsArg);
  await initBackend({ backend: 'webgpu', quiet: true });
  const rows: unknown[] = [];
  for (const spec of specs) {
    const [model, b] = spec.split(':');
    if (!trainingModels().includes(model)) throw new Error(`unknown model ${model}`);
    const g = await train('webgpu', model as TrainingModel, Number(b), steps);
    const c = await train('cpu', model as TrainingModel, Number(b), steps);
    let maxAbs = 0, maxRel = 0, maxMove = 0, initDiff = 0, n = 0;
    const perVariable: Record<string, { rel: number; abs: number; move: number; offFraction: number; zeroGradient: boolean }> = {};
    const zero = new Set(structurallyZero(model as TrainingModel));
    let off = 0, counted = 0;
    for (let i = 0; i < c.after.length; i++) {
      let d = 0, scale = 0;
      for (let j = 0; j < c.after[i].length; j++) {
        d = Math.max(d, Math.abs(g.after[i][j] - c.after[i][j]));
        scale = Math.max(scale, Math.abs(c.after[i][j]));
        maxMove = Math.max(maxMove, Math.abs(c.after[i][j] - c.init[i][j]));
        initDiff = Math.max(initDiff, Math.abs(g.init[i][j] - c.init[i][j]));
      }
      n += c.after[i].length;
      let mv = 0, o = 0;
      for (let j = 0; j < c.after[i].length; j++) mv = Math.max(mv, Math.abs(c.after[i][j] - c.init[i][j]));
      // An element is off when it differs by more than float32 rounding of the variable's scale, plus Adam's moves
      // computed from gradients 0.1% apart, could explain.
      const tol = 1e-5 * scale + 1e-3 * mv;
      for (let j = 0; j < c.after[i].length; j++) if (!(Math.abs(g.after[i][j] - c.after[i][j]) <= tol)) o++;
      const isZero = zero.has(c.names[i]);
      if (!isZero) {
        off += o;
        counted += c.after[i].length;
      }
      perVariable[c.names[i]] = { rel: scale ? d / scale : d, abs: d, move: mv, offFraction: o / c.after[i].length, zeroGradient: isZero };
      maxAbs = Math.max(maxAbs, d);
      maxRel = Math.max(maxRel, scale ? d / scale : d);
    }
    rows.push({ model, batch: Number(b), steps, params: n, variables: c.after.length, maxAbs, maxRel, maxMove, initDiff, offFraction: off / counted, zeroGradientVariables: [...zero], perVariable, webgpuMsPerStep: g.ms, cpuMsPerStep: c.ms });
  }
  const line = backendInfo()?.line ?? '';
  await shutdownBackend();
  // stdout is a pipe, written asynchronously: exit only once it is flushed.
  await new Promise<void>((resolve) => process.stdout.write(JSON.stringify({ backend: line, rows }) + '\n', () => resolve()));
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
