/**
 * The WGAN-GP gradient penalty on the cpu backend: value and parameter gradient (second order) against float64
 * finite differences of an independent plain-JS critic. second-order-wasm.test.ts runs the same checks on wasm.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../training/backend';
import { penaltyParamGradients, penaltyValues } from './gradient-penalty-checks';

beforeAll(async () => {
  await initBackend({ backend: 'cpu', quiet: true }); // also registers tfjs' gradients
});
afterEach(() => tf.disposeVariables());

test('the penalty equals a float64 finite-difference estimate on a tiny conv critic', () => {
  for (const seed of [1, 2]) {
    const { project, reference, minPre } = penaltyValues(seed);
    // Central differences with step 1e-5 are exact for the piecewise-linear critic when no pre-activation is that close to 0.
    expect(minPre).toBeGreaterThan(1e-3);
    expect(reference).toBeGreaterThan(0.1);
    expect(Math.abs(project - reference)).toBeLessThan(1e-4 * reference);
  }
});

test('its gradient with respect to the critic parameters (a gradient of a gradient) equals nested finite differences', () => {
  const res = penaltyParamGradients(1, 1e-5);
  let scale = 0;
  for (const r of res) for (const v of r.reference) scale = Math.max(scale, Math.abs(v));
  expect(scale).toBeGreaterThan(0.1);
  // The reference is exact only if no step moved a pre-activation across 0: then halving the step changes nothing
  // beyond rounding (a crossed kink would show as a jump).
  const half = penaltyParamGradients(1, 5e-6);
  for (let k = 0; k < res.length; k++) {
    for (let i = 0; i < res[k].reference.length; i++) expect(Math.abs(res[k].reference[i] - half[k].reference[i])).toBeLessThan(1e-5 * scale);
  }
  for (const r of res) {
    for (let i = 0; i < r.reference.length; i++) {
      expect({ name: r.name, i, diff: Math.abs(r.project[i] - r.reference[i]) < 1e-4 * scale }).toEqual({ name: r.name, i, diff: true });
    }
  }
  // Every kernel gets a non-zero gradient (the second-order path reaches all of them).
  for (const r of res.filter((x) => x.name.endsWith('.kernel'))) expect(Math.max(...Array.from(r.project, Math.abs))).toBeGreaterThan(1e-3);
});
