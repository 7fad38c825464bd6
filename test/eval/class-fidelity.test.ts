/** Class-fidelity bookkeeping on hand-made predictions. */
import { argmaxRows, classFidelity, predictedHistogram } from '../../eval/class-fidelity';

describe('class fidelity', () => {
  test('argmax of each row', () => {
    const logits = Float32Array.from([0, 2, 1, /**/ 5, -1, 4, /**/ -3, -2, -1]);
    expect([...argmaxRows(logits, 3)]).toEqual([1, 0, 2]);
    expect(() => argmaxRows(new Float32Array(4), 3)).toThrow(/4 logits are not rows of 3/);
  });

  test('accuracy, per-class accuracy and confusion matrix', () => {
    // Asked: 0 0 0 1 1 2 2 2 2; predicted: 0 1 0 1 1 2 0 2 1
    const requested = [0, 0, 0, 1, 1, 2, 2, 2, 2];
    const predicted = Int32Array.from([0, 1, 0, 1, 1, 2, 0, 2, 1]);
    const f = classFidelity(requested, predicted, 4);
    expect(f.n).toBe(9);
    expect(f.accuracy).toBeCloseTo(6 / 9, 12);
    expect(f.perClass[0]).toBeCloseTo(2 / 3, 12);
    expect(f.perClass[1]).toBe(1);
    expect(f.perClass[2]).toBeCloseTo(2 / 4, 12);
    expect(Number.isNaN(f.perClass[3])).toBe(true);
    expect(f.confusion).toEqual([
      [2, 1, 0, 0],
      [0, 2, 0, 0],
      [1, 1, 2, 0],
      [0, 0, 0, 0],
    ]);
  });

  test('histogram of predictions', () => {
    expect(predictedHistogram(Int32Array.from([0, 2, 2, 2]), 3)).toEqual([0.25, 0, 0.75]);
  });

  test('mismatched or out-of-range labels are errors', () => {
    expect(() => classFidelity([0, 1], Int32Array.from([0]), 2)).toThrow(/2 requested labels but 1 predictions/);
    expect(() => classFidelity([0, 5], Int32Array.from([0, 1]), 2)).toThrow(/requested label 5 at 1 is not a class in 0..1/);
  });
});
