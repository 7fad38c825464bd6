import { bitsPerDim, logit, logitInverse, logProbDataSpace } from '../../../training/data/logit';
import { Random } from '../../../runtime/core/random';

/** The definition, in float64, written out independently of the module. */
function yRef(x: number, lambda: number): number {
  const p = lambda + (1 - 2 * lambda) * x;
  return Math.log(p / (1 - p));
}

describe('logit transform', () => {
  const rng = new Random(11);
  const dim = 6;
  const n = 5;
  const x = new Float32Array(n * dim);
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform();
  x[0] = 0; // the edges are legal inputs
  x[1] = Math.fround(1 - 2 ** -24);

  test.each([[1e-6], [0.05]])('y matches the definition and logDet a numerical derivative (lambda %p)', (lambda) => {
    const { y, logDet } = logit(x, dim, lambda);
    for (let i = 0; i < x.length; i++) expect(y[i]).toBeCloseTo(yRef(x[i], lambda), 4);
    for (let e = 0; e < n; e++) {
      let num = 0;
      for (let j = e * dim; j < (e + 1) * dim; j++) {
        // The Jacobian is diagonal: log|det| is the sum of the log slopes. Central differences in float64, with a
        // step small against p = lambda at the edges (yRef is defined a little beyond [0, 1]).
        const h = 1e-10;
        num += Math.log((yRef(x[j] + h, lambda) - yRef(x[j] - h, lambda)) / (2 * h));
      }
      expect(Math.abs(logDet[e] - num)).toBeLessThan(1e-4);
    }
  });

  test('the module-computed y (float32) agrees with its own logDet to float32 precision', () => {
    const lambda = 0.05;
    const h = 1e-3;
    const { logDet } = logit(x.subarray(2 * dim, 3 * dim), dim, lambda);
    let num = 0;
    for (let j = 0; j < dim; j++) {
      const xv = x[2 * dim + j];
      const pair = logit(Float32Array.from([xv - h, xv + h]), 1, lambda).y;
      num += Math.log((pair[1] - pair[0]) / (2 * h));
    }
    expect(Math.abs(logDet[0] - num)).toBeLessThan(1e-2);
  });

  test('logitInverse undoes logit', () => {
    const { y } = logit(x, dim);
    const back = logitInverse(y);
    for (let i = 0; i < x.length; i++) expect(Math.abs(back[i] - x[i])).toBeLessThan(2e-6);
  });

  test('bad inputs are refused', () => {
    expect(() => logit(Float32Array.from([0.5, 1.5]), 2)).toThrow('logit: x[1] = 1.5 is outside [0, 1]');
    expect(() => logit(new Float32Array(5), 2)).toThrow('length 5 is not a whole number of examples of dimension 2');
    expect(() => logit(new Float32Array(2), 2, 0.5)).toThrow('lambda must be in [0, 0.5)');
  });
});

describe('data-space likelihood and bits/dim', () => {
  test('the uniform density on [0,1)^D is 8 bits/dim for 256-level data', () => {
    expect(bitsPerDim(0, 784)).toBeCloseTo(8, 12);
  });
  test('a density of 2 on [0, 1/2)^D (one bit fewer per dimension) is 7 bits/dim', () => {
    expect(bitsPerDim(784 * Math.log(2), 784)).toBeCloseTo(7, 12);
  });
  test('change of variables: a standard logistic on y is the uniform density on x when lambda = 0', () => {
    // If y ~ Logistic(0, 1) then sigmoid(y) ~ U(0, 1): log p_y(y) + log|dy/dx| must be 0.
    const x = Float32Array.from([0.1, 0.37, 0.5, 0.93]);
    const { y, logDet } = logit(x, 4, 0);
    let logPy = 0;
    for (const v of y) logPy += -v - 2 * Math.log1p(Math.exp(-v));
    expect(logProbDataSpace([logPy], logDet)[0]).toBeCloseTo(0, 5);
  });
});
