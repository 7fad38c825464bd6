/**
 * runtime/core/card.ts's `type`: which runtime API loads a card. Cards written before the field existed derive it
 * from their family (maf -> flow, gan -> gan, classifier -> classifier); a family without a known type must say
 * its type; a flow card of any family (realnvp) gives a FlowSpec.
 */
import { CardError, flowSpec, ganSpec, parseCard } from '../../runtime/core/card';

function card(extra: Record<string, unknown>): string {
  return JSON.stringify({
    format: 'dgm-model-card/1', name: 'm', kind: 'k', description: '', latentSize: 2, numClasses: 0, classNames: [],
    files: [{ file: 'model.onnx', role: 'log_prob', inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 2] }], outputs: [{ name: 'log_prob', dtype: 'float32', shape: ['N'] }] }],
    data: { dimensions: 2, space: 'standardized' },
    ...extra,
  });
}

test('an old maf card (no type) is a flow', () => {
  const c = parseCard(card({ family: 'maf' }), 'old.onnx');
  expect(c.type).toBe('flow');
  expect(flowSpec(c, 'old.onnx').dims).toBe(2);
});

test('a realnvp card with type flow loads as a flow and is refused as a GAN', () => {
  const c = parseCard(card({ family: 'realnvp', type: 'flow' }), 'r.onnx');
  expect(flowSpec(c, 'r.onnx').logProb).toEqual({ file: 'model.onnx', x: 'x', logProb: 'log_prob' });
  expect(() => ganSpec(c, 'r.onnx')).toThrow(/r\.onnx: is a realnvp model \(k\), not a GAN: load it as a Flow/);
});

test('a family with no known type must carry one; a bad type is named', () => {
  expect(() => parseCard(card({ family: 'realnvp' }), 'r.onnx')).toThrow(CardError);
  expect(() => parseCard(card({ family: 'realnvp' }), 'r.onnx')).toThrow(/family "realnvp" has no "type" \(flow, gan, classifier\).*re-export it with `dgm export <run>`/);
  expect(() => parseCard(card({ family: 'realnvp', type: 'density' }), 'r.onnx')).toThrow(/field "type" must be one of flow, gan, classifier, got "density"/);
});

test('a flow card without data is refused whatever its family', () => {
  const noData = JSON.parse(card({ family: 'realnvp', type: 'flow' }));
  delete noData.data;
  expect(() => parseCard(JSON.stringify(noData), 'r.onnx')).toThrow(/a flow model card needs "data"/);
});
