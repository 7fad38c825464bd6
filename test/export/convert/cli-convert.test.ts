/**
 * @jest-environment ./test/export/ort-environment.js
 *
 * `dgm convert` in process: a model saved in tfjs-node's file layout converts, prints the parity of every output and
 * writes a file onnxruntime-node runs; an unsupported layer, activation or option is an error naming the class, the
 * layer and the option, and writes nothing; an existing file is replaced whole, a folder or a link never.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Command } from 'commander';
import * as ort from 'onnxruntime-node';
import { registerConvert } from '../../../cli/commands/convert';
import { convertLayersModel } from '../../../export/convert/convert';
import { saveLayersModelToDir } from '../../../export/convert/save-dir';
import { artifactsOf, seedWeights, tfl, useCpu } from './helpers';
import { textModel } from './architectures';

const L = tfl.layers;

function program(): Command {
  const p = new Command();
  p.exitOverride();
  registerConvert(p);
  return p;
}

async function run(args: string[]): Promise<string> {
  const lines: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((s: unknown) => void lines.push(String(s)));
  try {
    await program().parseAsync(['node', 'dgm', 'convert', ...args]);
  } finally {
    log.mockRestore();
  }
  return lines.join('\n');
}

describe('dgm convert (CLI)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dgm-convert-cli-'));
  let modelJson = '';
  beforeAll(async () => {
    await useCpu();
    const m = textModel();
    seedWeights(m, 5);
    modelJson = await saveLayersModelToDir(m, path.join(root, 'text'));
    m.dispose();
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  test('converts a saved model, prints per-output parity, writes a file onnxruntime-node runs', async () => {
    const out = path.join(root, 'text.onnx');
    const text = await run([modelJson, '--out', out, '--input-names', 'ids', '--output-names', 'probs', '--batch', '4']);
    expect(text).toMatch(/parity: onnxruntime-node vs tfjs-layers 4\.22\.0 predict \(cpu backend\), 4 examples/);
    expect(text).toMatch(/probs\s+\[4, 3\]\s+max \|diff\| \S+ .* ok/);
    expect(text).toMatch(/inputs: ids float32 \[4, 12\]/);
    const s = await ort.InferenceSession.create(out);
    const y = await s.run({ ids: new ort.Tensor('float32', Float32Array.from({ length: 48 }, (_, i) => i % 50), [4, 12]) });
    expect(y.probs.dims).toEqual([4, 3]);
    const rows = Array.from({ length: 4 }, (_, r) => Array.from(y.probs.data as Float32Array).slice(r * 3, r * 3 + 3).reduce((a, b) => a + b, 0));
    rows.forEach((t) => expect(t).toBeCloseTo(1, 5));
    await s.release();
    // Replaced whole on a second run, no temporary file left behind.
    await run([modelJson, '--out', out, '--checker', 'off']);
    expect(fs.readdirSync(root).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  test('an unsupported layer, activation or option names the class, the layer and the option; nothing is written', async () => {
    const cases: [tfl.LayersModel, RegExp][] = [
      [tfl.sequential({ layers: [L.masking({ inputShape: [4, 3] }), L.lstm({ units: 2 })] }), /Masking layer "masking_Masking\d+": no ONNX lowering for class Masking/],
      [tfl.sequential({ layers: [L.conv2d({ inputShape: [5, 5, 2], filters: 2, kernelSize: 2, dataFormat: 'channelsFirst' })] }), /Conv2D layer "conv2d_Conv2D\d+": option dataFormat = "channelsFirst" is not supported/],
      [tfl.sequential({ layers: [L.embedding({ inputDim: 5, outputDim: 2, maskZero: true, inputShape: [3] })] }), /Embedding layer "embedding_Embedding\d+": option maskZero = true is not supported/],
      [tfl.sequential({ layers: [L.dense({ inputShape: [4], units: 2 }), L.layerNormalization()] }), /LayerNormalization layer "layer_normalization_LayerNormalization\d+": needs opset >= 17/],
    ];
    for (const [i, [m, re]] of cases.entries()) {
      const json = await saveLayersModelToDir(m, path.join(root, `bad${i}`));
      m.dispose();
      const out = path.join(root, `bad${i}.onnx`);
      const args = i === 3 ? [json, '--out', out, '--opset', '16'] : [json, '--out', out];
      await expect(run(args)).rejects.toThrow(re);
      expect(fs.existsSync(out)).toBe(false);
    }
  });

  test('an activation tfjs-layers does not know is refused by tfjs-layers itself, naming it', async () => {
    const m = tfl.sequential({ layers: [L.dense({ inputShape: [3], units: 2, activation: 'relu' })] });
    const a = await artifactsOf(m);
    m.dispose();
    const topo = JSON.parse(JSON.stringify(a.modelTopology).replace('"relu"', '"crelu"'));
    await expect(convertLayersModel({ ...a, modelTopology: topo })).rejects.toThrow(/could not load it: Unknown activation: crelu/);
  });

  test('never replaces a folder or a symbolic link, and rejects bad flags and files plainly', async () => {
    fs.mkdirSync(path.join(root, 'dir.onnx'));
    await expect(run([modelJson, '--out', path.join(root, 'dir.onnx')])).rejects.toThrow(/exists and is not a regular file \(a folder\); not replacing it/);
    fs.writeFileSync(path.join(root, 'target'), 'keep');
    fs.symlinkSync(path.join(root, 'target'), path.join(root, 'link.onnx'));
    await expect(run([modelJson, '--out', path.join(root, 'link.onnx')])).rejects.toThrow(/a symbolic link\); not replacing it/);
    expect(fs.readFileSync(path.join(root, 'target'), 'utf8')).toBe('keep');
    await expect(run([modelJson, '--out', path.join(root, 'x.onnx'), '--opset', '19'])).rejects.toThrow(/--opset expects an integer from 13 to 17/);
    await expect(run([modelJson, '--out', path.join(root, 'x.onnx'), '--output-names', 'a,b'])).rejects.toThrow(/the model has 1 outputs \(label\), 2 names were given/);
    await expect(run([modelJson, '--out', path.join(root, 'x.onnx'), '--input-names', 'label'])).rejects.toThrow(/output name label also names an input/);
    await expect(run([path.join(root, 'missing.json'), '--out', path.join(root, 'x.onnx')])).rejects.toThrow(/missing\.json: no such file/);
    fs.writeFileSync(path.join(root, 'graph.json'), JSON.stringify({ format: 'graph-model', modelTopology: {} }));
    await expect(run([path.join(root, 'graph.json'), '--out', path.join(root, 'x.onnx')])).rejects.toThrow(/is a tfjs graph model/);
    const json = JSON.parse(fs.readFileSync(modelJson, 'utf8'));
    json.weightsManifest[0].paths = ['./gone.bin'];
    fs.writeFileSync(path.join(root, 'text', 'broken.json'), JSON.stringify(json));
    await expect(run([path.join(root, 'text', 'broken.json'), '--out', path.join(root, 'x.onnx')])).rejects.toThrow(/weight shard \.\/gone\.bin is missing/);
    expect(fs.existsSync(path.join(root, 'x.onnx'))).toBe(false);
  });
});
