/**
 * Every lowering in export/lower/ has a parity case (a case that runs it through onnxruntime against tfjs). Both lists
 * are read from the code, not typed here:
 * - the lowerings: the LayerSpec kinds of export/lower/registry.ts, the tfjs-layers classes of
 *   export/lower/tfjs-layers/registry.ts, the ops of the shared activationOp (ACTIVATION_OPS), the recurrent
 *   activations the RNN/LSTM/GRU lowering maps (RNN_ACTIVATIONS), and every exported `lower*` function of
 *   export/lower/**.ts that is none of the registered ones;
 * - the parity cases: the layer kinds in layer-cases.ts's stacks (layers.test.ts) and the lowerings its graphs call
 *   themselves (ENTRY_LOWERINGS), the classes dgm convert lowers for convert/layer-cases.ts's models
 *   (convert/layers.test.ts; from the converter's own per-class count) and the activations in their configs, and the
 *   ops of activation-cases.ts (activations.test.ts).
 * A lowering without a case fails with its name and where a case would go.
 */
import * as fs from 'fs';
import * as path from 'path';
import { LOWERINGS } from '../../export/lower/registry';
import { LAYER_LOWERINGS } from '../../export/lower/tfjs-layers/registry';
import { RNN_ACTIVATIONS } from '../../export/lower/tfjs-layers/recurrent';
import { ACTIVATIONS, ACTIVATION_OPS } from '../../export/lower/activations';
import { buildOnnx } from '../../export/convert/graph';
import { ENTRY_LOWERINGS, LAYER_CASES } from './layer-cases';
import { ACTIVATION_CASES } from './activation-cases';
import { CONVERT_CASES } from './convert/layer-cases';
import { artifactsOf, tfl, useCpu } from './convert/helpers';

/** Throws naming each lowering of `lowerings` that `covered` lacks. */
export function checkCovered(what: string, lowerings: Iterable<string>, covered: Set<string>, where: string): void {
  const missing = [...lowerings].filter((l) => !covered.has(l));
  if (missing.length) throw new Error(`${what} without a parity case: ${missing.join(', ')} (add one to ${where})`);
}

const RECURRENT = new Set(['SimpleRNN', 'LSTM', 'GRU']);

/** What dgm convert lowers for the convert cases: classes (the converter's own count) and the activations configured. */
function convertCoverage(): { classes: Set<string>; activations: Set<string>; recurrentActivations: Set<string> } {
  const classes = new Set<string>();
  const activations = new Set<string>();
  const recurrentActivations = new Set<string>();
  const visit = (layer: tfl.layers.Layer): void => {
    const cfg = layer.getConfig() as Record<string, unknown>;
    if (RECURRENT.has(layer.getClassName())) {
      for (const k of ['activation', 'recurrentActivation']) if (typeof cfg[k] === 'string') recurrentActivations.add(cfg[k] as string);
    } else if (typeof cfg.activation === 'string') activations.add(cfg.activation);
    const inner = layer as unknown as { layers?: tfl.layers.Layer[]; forwardLayer?: tfl.layers.Layer };
    inner.layers?.forEach(visit);
    if (inner.forwardLayer) visit(inner.forwardLayer);
  };
  for (const [, , build] of CONVERT_CASES) {
    const model = build();
    try {
      for (const c of Object.keys(buildOnnx(model, { opset: 17, batch: 'N' }).layerCalls)) classes.add(c);
      model.layers.forEach(visit);
    } finally {
      model.dispose();
    }
  }
  return { classes, activations, recurrentActivations };
}

/** Exported functions named lower* in every module under export/lower/, by module. */
function exportedLowerings(): { name: string; fn: unknown }[] {
  const root = path.join(__dirname, '../../export/lower');
  const files = (fs.readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).sort();
  return files.flatMap((f) =>
    Object.entries(require(path.join(root, f)) as Record<string, unknown>)
      .filter(([k, v]) => typeof v === 'function' && /^lower[A-Z]/.test(k))
      .map(([k, v]) => ({ name: `${f.replace(/\.ts$/, '')}.${k}`, fn: v })),
  );
}

describe('every lowering in export/lower has a parity case', () => {
  beforeAll(useCpu);
  let convert: ReturnType<typeof convertCoverage>;
  beforeAll(() => {
    convert = convertCoverage();
  });

  test('the check names what it misses', () => {
    expect(() => checkCovered('LayerSpec kinds', ['dense', 'bogus'], new Set(['dense']), 'test/export/layer-cases.ts')).toThrow(
      'LayerSpec kinds without a parity case: bogus (add one to test/export/layer-cases.ts)',
    );
    expect(() => checkCovered('LayerSpec kinds', ['dense'], new Set(['dense']), 'x')).not.toThrow();
  });

  test('LayerSpec kinds (export/lower/registry.ts)', () => {
    const kinds = new Set(LAYER_CASES.flatMap((c) => c.stack.map((l) => l.kind as string)));
    checkCovered('LayerSpec lowerings', Object.keys(LOWERINGS), kinds, 'test/export/layer-cases.ts');
  });

  test('tfjs-layers classes (export/lower/tfjs-layers/registry.ts)', () => {
    checkCovered('tfjs-layers lowerings', Object.keys(LAYER_LOWERINGS), convert.classes, 'test/export/convert/layer-cases.ts');
  });

  test("activationOp's ops, and the activation strings dgm convert reads", async () => {
    const ops = new Set<string>(ACTIVATION_CASES.map((c) => c.a.op));
    checkCovered('activationOp ops', ACTIVATION_OPS, ops, 'test/export/activation-cases.ts');
    // A string is read by tfjs-layers/activations.ts `activate`, then lowered by activationOp: its case is a converted
    // model that uses it, or, for a string no saved model can carry (tfjs-layers cannot load what it saved: tried
    // here, not listed), the activationOp case alone.
    const unloadable = new Set<string>();
    for (const a of ACTIVATIONS.filter((s) => !convert.activations.has(s))) {
      const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [3], units: 2, activation: a as never })] });
      try {
        await tfl.loadLayersModel(tfl.io.fromMemory(await artifactsOf(model)));
      } catch {
        if (ops.has(a)) unloadable.add(a);
      } finally {
        model.dispose();
      }
    }
    checkCovered('activation strings', ACTIVATIONS, new Set([...convert.activations, ...unloadable]), 'test/export/convert/layer-cases.ts');
  });

  test('recurrent activations (RNN_ACTIVATIONS of tfjs-layers/recurrent.ts)', () => {
    checkCovered('recurrent activations', Object.keys(RNN_ACTIVATIONS), convert.recurrentActivations, 'test/export/convert/layer-cases.ts (a SimpleRNN/LSTM/GRU case with that activation)');
  });

  test('exported lower* functions outside the registries', () => {
    const registered = new Set<unknown>([...Object.values(LOWERINGS), ...Object.values(LAYER_LOWERINGS), ...Object.values(ENTRY_LOWERINGS)]);
    const all = exportedLowerings();
    expect(all.length).toBeGreaterThan(Object.keys(LOWERINGS).length);
    checkCovered('exported lowerings', all.filter((l) => !registered.has(l.fn)).map((l) => l.name), new Set(), 'a registry, or ENTRY_LOWERINGS of test/export/layer-cases.ts with a case that calls it');
  });
});
