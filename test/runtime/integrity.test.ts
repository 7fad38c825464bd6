/**
 * @jest-environment ./test/export/ort-environment.js
 *
 * Model integrity at load (runtime/core/integrity.ts): the hashes and id export writes, and what the Node and web
 * loaders refuse: a flipped weight byte, a card altered inside the file, a truncated file, a sibling from another
 * model, a stale card.json, a card from before integrity records. The web loader's checks run before any
 * onnxruntime-web session, so they are exercised here on model bytes and `options.files`.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { decodeModel, encodeModel } from '../../export/onnx/proto';
import { contentSha256, modelId } from '../../runtime/core/integrity';
import { readOnnxParts } from '../../runtime/core/onnx-metadata';
import { sampleToPng } from '../../cli/commands/sample';
import { Flow, GanSampler, readModelCard } from '../../runtime/node';
import * as web from '../../runtime/web';
import { exportGan, exportMaf, tmpDir, useTfCpu, weightByte, withMetadata } from './fixtures';

const nodeSha = (parts: readonly Uint8Array[]) => {
  const h = crypto.createHash('sha256');
  parts.forEach((p) => h.update(p));
  return h.digest('hex');
};

/** A copy of the model folder `src` as `root/<name>`, so each case alters its own files. */
function copyModel(src: string, root: string, name: string): string {
  const dst = path.join(root, name);
  fs.cpSync(src, dst, { recursive: true });
  return dst;
}


describe('model integrity', () => {
  const root = tmpDir('integrity');
  let flowDir: string;
  let otherFlowDir: string;
  let ganDir: string;

  beforeAll(async () => {
    await useTfCpu();
    const cfg = { inputSize: 4, hiddenSize: 8, nHidden: 1, nFlows: 2 };
    const data = { space: 'test', details: { mean: [0, 0, 0, 0], std: [1, 1, 1, 1] } };
    const made = [await exportMaf(root, 'flow', cfg, data, 3)];
    made[0].dispose();
    made.push(await exportMaf(root, 'flow-b', cfg, data, 4));
    made[1].dispose();
    const gan = await exportGan(root, 'gan', {}, 5);
    gan.dispose();
    [flowDir, otherFlowDir, ganDir] = [made[0].dir, made[1].dir, gan.dir];
  });

  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  test('export records each file\'s sha256, the model id in every file and the card\'s own hash', async () => {
    const card = readModelCard(flowDir);
    const json = JSON.parse(fs.readFileSync(path.join(flowDir, 'card.json'), 'utf8'));
    expect(json).toEqual(card);
    expect(card.files.map((f) => f.file).sort()).toEqual(['model.onnx', 'sample.onnx']);
    for (const f of card.files) {
      const bytes = fs.readFileSync(path.join(flowDir, f.file));
      const props = readOnnxParts(bytes).props;
      expect(f.bytes).toBe(bytes.length);
      // Independent of the runtime's wire reader: protobufjs's encoding of the file with metadata_props cleared.
      const model = decodeModel(bytes);
      model.metadata_props = [];
      expect(f.sha256).toBe(nodeSha([encodeModel(model)]));
      expect(f.sha256).toBe(await contentSha256(bytes, nodeSha));
      expect(props['dgm.id']).toBe(card.id);
      expect(props['dgm.card.sha256']).toBe(nodeSha([Buffer.from(props['dgm.card'], 'utf8')]));
    }
    expect(card.id).toBe(await modelId('flow', card.files as { file: string; sha256: string }[], nodeSha));
    expect(card.id).toMatch(/^flow@[0-9a-f]{16}$/);
    expect(readModelCard(otherFlowDir).id).toMatch(/^flow-b@[0-9a-f]{16}$/);
  });

  test('WebCrypto and Node crypto agree on the parts hashed', async () => {
    const bytes = fs.readFileSync(path.join(flowDir, 'model.onnx'));
    expect(await contentSha256(bytes, web.webSha256)).toBe(await contentSha256(bytes, nodeSha));
    expect(readOnnxParts(bytes).content.length).toBeGreaterThanOrEqual(1);
  });

  test('intact models load and run; a flipped weight byte is refused naming the file (verify: false loads it)', async () => {
    const flow = await Flow.load(flowDir);
    const want = (await flow.logProb([[0.1, 0.2, 0.3, 0.4]])).logProb;
    await flow.sample({ n: 2, seed: 1 }); // opens and verifies sample.onnx
    await flow.release();
    const gan = await GanSampler.load(ganDir);
    await gan.release();

    const fg = path.join(copyModel(ganDir, root, 'flipped-gan'), 'model.onnx');
    const gb = fs.readFileSync(fg);
    gb[weightByte(gb)] ^= 0x01;
    fs.writeFileSync(fg, gb);
    const dir = copyModel(flowDir, root, 'flipped');
    const file = path.join(dir, 'model.onnx');
    const bytes = fs.readFileSync(file);
    bytes[weightByte(bytes)] ^= 0x01;
    fs.writeFileSync(file, bytes);
    await expect(Flow.load(dir)).rejects.toThrow(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: sha256 of its graph and weights is [0-9a-f]{16}\\.\\.\\., its card records [0-9a-f]{16}\\.\\.\\.: the file was altered`));
    await expect(web.Flow.load(new Uint8Array(bytes))).rejects.toThrow(/^model bytes: sha256 of its graph and weights/);
    // The command line says how to skip the check with its own flag, and skips it when asked.
    const png = path.join(root, 'flipped.png');
    await expect(sampleToPng(dir, { n: 2, seed: 1, out: png, provider: 'cpu', models: root })).rejects.toThrow(/the file was altered or corrupted; export it again \(to skip this check: --no-verify\)$/);
    expect(fs.existsSync(png)).toBe(false);
    await sampleToPng(path.join(root, 'flipped-gan'), { n: 2, seed: 1, out: png, provider: 'cpu', models: root, verify: false });
    expect(fs.statSync(png).size).toBeGreaterThan(0);
    const unchecked = await Flow.load(dir, { verify: false });
    const got = (await unchecked.logProb([[0.1, 0.2, 0.3, 0.4]])).logProb;
    await unchecked.release();
    expect(Number.isFinite(got[0]) && Number.isFinite(want[0])).toBe(true);
  });

  test('a card altered inside the file, a truncated file', async () => {
    const dir = copyModel(ganDir, root, 'card-edit');
    const file = path.join(dir, 'model.onnx');
    const bytes = fs.readFileSync(file);
    const at = bytes.lastIndexOf(Buffer.from('"latentSize":64'));
    expect(at).toBeGreaterThan(0);
    bytes[at + '"latentSize":6'.length] = '5'.charCodeAt(0); // 64 -> 65: still a valid card
    fs.writeFileSync(file, bytes);
    fs.rmSync(path.join(dir, 'card.json'));
    await expect(GanSampler.load(dir)).rejects.toThrow(`${file}: its model card (metadata "dgm.card") does not match its recorded sha256`);
    const cut = path.join(root, 'cut.onnx');
    const whole = fs.readFileSync(path.join(ganDir, 'model.onnx'));
    fs.writeFileSync(cut, whole.subarray(0, whole.length - 10));
    await expect(GanSampler.load(cut)).rejects.toThrow(cut);
  });

  test('a sibling from another flow of the same width is refused by name', async () => {
    const dir = copyModel(flowDir, root, 'swapped');
    fs.copyFileSync(path.join(otherFlowDir, 'sample.onnx'), path.join(dir, 'sample.onnx'));
    const flow = await Flow.load(dir); // model.onnx itself is intact
    const sib = path.join(dir, 'sample.onnx');
    const other = readModelCard(otherFlowDir).id;
    await expect(flow.sample({ n: 2, seed: 1 })).rejects.toThrow(`${sib} belongs to model ${other}, not to ${readModelCard(flowDir).id} (the model of ${path.join(dir, 'model.onnx')})`);
    await flow.release();
  });

  test('a stale card.json fails the load naming both files', async () => {
    const dir = copyModel(flowDir, root, 'stale');
    const cj = path.join(dir, 'card.json');
    const card = JSON.parse(fs.readFileSync(cj, 'utf8'));
    card.training.step = 999;
    fs.writeFileSync(cj, JSON.stringify(card, null, 2));
    await expect(Flow.load(dir)).rejects.toThrow(`${cj} does not match the model card inside ${path.join(dir, 'model.onnx')} (they differ at training.step)`);
    fs.writeFileSync(cj, '{ not json');
    await expect(Flow.load(dir)).rejects.toThrow(`${cj} is not valid JSON`);
    // Reformatting alone is no difference.
    fs.writeFileSync(cj, JSON.stringify(JSON.parse(fs.readFileSync(path.join(flowDir, 'card.json'), 'utf8'))));
    (await Flow.load(dir)).release();
  });

  test('a card without integrity records is refused unless verify: false', async () => {
    const bytes = new Uint8Array(fs.readFileSync(path.join(ganDir, 'model.onnx')));
    // The same model as exported before integrity records: the card without id and hashes, no dgm.id.
    const { props } = readOnnxParts(bytes);
    const card = JSON.parse(props['dgm.card']);
    delete card.id;
    for (const f of card.files) delete f.sha256;
    const old = withMetadata(bytes, { 'dgm.format': props['dgm.format'], 'dgm.name': props['dgm.name'], 'dgm.role': props['dgm.role'], 'dgm.card': JSON.stringify(card) });
    await expect(GanSampler.load(old)).rejects.toThrow(/^model bytes: its model card records no sha256 for model.onnx \(exported before integrity records\): export it again with `dgm export` \(to skip this check: load with \{ verify: false \}\)$/);
    await expect(web.GanSampler.load(old)).rejects.toThrow(/exported before integrity records/);
    (await GanSampler.load(old, { verify: false })).release();
  });
});
