/** The parity table's comparison of flow samples: diverged rows must match, the other rows are compared. */
import { boundedPairErrors, divergedRows, maxAbsRows, pairErrors, parityMarkdown } from './table';

const a = [1, 2, NaN, 4, 5, 6];
const b = [1.5, 2, Infinity, 4, 5, 6.25];

test('diverged rows are found and must be the same rows in both runtimes', () => {
  expect(divergedRows(a, 2)).toEqual([1]);
  expect(maxAbsRows(a, b, 2)).toBe(0.5);
  expect(maxAbsRows(a, [1, 2, 3, 4, 5, 6], 2)).toBe(Infinity);
});

test('the table reports the diverged rows and compares the rest; without rowWidth NaN counts as infinitely far', () => {
  const row = { model: 'm', output: 'samples [3, 2]', inputs: 'seed 5', tolerance: 1, unit: '', results: { 'ort-node': a, 'ort-web-node': b }, rowWidth: 2 };
  expect(pairErrors(row)).toEqual([{ a: 'ort-node', b: 'ort-web-node', err: 0.5 }]);
  expect(parityMarkdown([row])).toContain('seed 5; rows 1 diverged (NaN/infinity) in every runtime and the others are compared');
  const { rowWidth: _, ...plain } = row;
  expect(pairErrors(plain)[0].err).toBe(Infinity);
  expect(parityMarkdown([{ ...row, results: { 'ort-node': a, 'ort-web-node': [1, 2, 3, 4, 5, 6] } }])).toContain('diverged rows differ: node [1], web-node []');
});

test('with rowBound, a finite row beyond the bound diverged: compared only when every runtime agrees it did', () => {
  const a = [1, 2, 3e4, 4, 5, 6];
  const b = [1.5, 2, 3.0001e4, 4, 5, 6];
  const row = { model: 'm', output: 'samples [3, 2]', inputs: 'seed 5', tolerance: 1, unit: '', results: { 'ort-node': a, 'ort-web-node': b }, rowWidth: 2, rowBound: 100 };
  expect(pairErrors(row)).toEqual([{ a: 'ort-node', b: 'ort-web-node', err: 0.5 }]);
  expect(parityMarkdown([row])).toContain('rows 1 diverged (NaN/infinity or |x| > 100) in every runtime');
  // Without the bound the runaway row is compared like any other.
  const { rowBound: _, ...unbounded } = row;
  expect(pairErrors(unbounded)[0].err).toBeCloseTo(1, 6);
  expect(maxAbsRows(a, [1, 2, 99, 4, 5, 6], 2, 100)).toBe(Infinity);
});

test('runtimes a row only measures (tfjs beside float16 weights): their pairs are starred, reported and left out of ok', () => {
  const row = {
    model: 'g', output: 'images [1]', inputs: 'seed 1', tolerance: 1e-4, unit: '',
    results: { tfjs: [0.5], 'ort-node': [0.5007], 'ort-web-node': [0.50070001] },
    unbounded: { runtimes: ['tfjs' as const], why: 'float16 weights' },
  };
  expect(boundedPairErrors(row).map((p) => `${p.a}/${p.b}`)).toEqual(['ort-node/ort-web-node']);
  expect(pairErrors(row)).toHaveLength(3);
  const table = parityMarkdown([row]);
  const line = table.split('\n').find((l) => l.startsWith('| g |'))!;
  expect(line.split(' | ').filter((c) => c === '7.0e-4*')).toHaveLength(2); // tfjs / node, tfjs / web-node
  expect(line).toMatch(/ \| 1\.0e-8 \| 1e-4  \| yes \|$/);
  expect(table).toContain('seed 1; * measured, not bounded: float16 weights');
  expect(parityMarkdown([{ ...row, unbounded: undefined }])).toMatch(/\| 7\.0e-4 \| 1e-4  \| \*\*NO\*\* \|$/m);
});
