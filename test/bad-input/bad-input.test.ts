/**
 * @jest-environment ./test/export/ort-environment.js
 *
 * The bad-input suite: one table of inputs a careful user might give, across the CLI (run in this process through
 * cli/program.ts's runCli, the same code path as bin/dgm.js), the runtime API and the server. Each case asserts
 * the exit status (CLI), the rejection (API) or the HTTP status (server); that the message names the input; and
 * that nothing under the fixture folder was created, changed or removed (a snapshot of every path's type, content
 * hash and link target before and after).
 */
import * as crypto from 'crypto';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { runCli } from '../../cli/program';
import { appApi } from '../../runtime/app-server';
import { Flow, GanSampler } from '../../runtime/node';
import { RunningServer, startServer } from '../../runtime/server';
import { Random } from '../../runtime/core/random';
import { encodePng } from '../../runtime/png';
import { encodeIdx, writeIdx } from '../../training/data/idx';
import { exportGan, exportMaf, tmpDir, useTfCpu, weightByte, withMetadata } from '../runtime/fixtures';

interface Outcome {
  /** CLI: the exit status; API: 'rejects' or 'resolves'; server: the HTTP status. */
  status: number | 'rejects' | 'resolves';
  message: string;
}

interface Case {
  name: string;
  run: () => Promise<Outcome>;
  status: Outcome['status'];
  /** Substrings the message must hold: the input itself, as the user gave it. */
  names: string[];
}

const root = tmpDir('bad-input');
const R = (...p: string[]) => path.join(root, ...p);

/** Every path under `dir`: its type, and a hash of its content or its link target. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d)) {
      const p = path.join(d, name);
      const st = fs.lstatSync(p);
      const rel = path.relative(dir, p);
      if (st.isSymbolicLink()) out[rel] = `link -> ${fs.readlinkSync(p)}`;
      else if (st.isDirectory()) {
        out[rel] = 'dir';
        walk(p);
      } else if (st.isFile()) out[rel] = `file ${crypto.createHash('sha1').update(fs.readFileSync(p)).digest('hex')}`;
      else out[rel] = st.isFIFO() ? 'fifo' : 'other';
    }
  };
  walk(dir);
  return out;
}

/** `dgm <args>` in this process: status and what it printed (commands print with console.log / console.error). */
async function dgm(args: string[]): Promise<Outcome> {
  const lines: string[] = [];
  const push = (...a: unknown[]) => void lines.push(a.map(String).join(' '));
  const log = jest.spyOn(console, 'log').mockImplementation(push);
  const err = jest.spyOn(console, 'error').mockImplementation(push);
  try {
    const status = await runCli(args, { out: (s) => lines.push(s), err: (s) => lines.push(s) });
    return { status, message: lines.join('\n') };
  } finally {
    log.mockRestore();
    err.mockRestore();
  }
}

async function api(f: () => Promise<unknown>): Promise<Outcome> {
  try {
    const r = await f();
    if (r && typeof (r as { release?: unknown }).release === 'function') await (r as { release(): Promise<void> }).release();
    return { status: 'resolves', message: '' };
  } catch (err) {
    return { status: 'rejects', message: (err as Error).message };
  }
}

let server: RunningServer;
function request(rawPath: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, path: rawPath, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      // JSON errors are { error: message }: compare the message itself, not its escaped form.
      res.on('end', () => resolve({ status: res.statusCode ?? 0, message: /json/.test(String(res.headers['content-type'])) ? String(JSON.parse(body).error) : body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const cli = (name: string, args: string[], names: string[], status = 1): Case => ({ name: `dgm ${name}`, run: () => dgm(args), status, names });
const apiCase = (name: string, f: () => Promise<unknown>, names: string[]): Case => ({ name: `api ${name}`, run: () => api(f), status: 'rejects', names });
const http_ = (name: string, p: string, status: number, names: string[], headers: Record<string, string> = {}, method = 'GET'): Case => ({ name: `http ${name}`, run: () => request(p, headers, method), status, names });

const M = R('models');
const OUT = R('out', 'grid.png');
const S = (...a: string[]) => ['sample', ...a, '--models', M];
const LP = (model: string, file: string, ...a: string[]) => ['logprob', model, file, '--models', M, ...a];
const TRAIN = (...a: string[]) => ['train', ...a, '--backend', 'cpu', '--progress', 'none'];

const cases: Case[] = [
  // dgm sample: counts, seeds, labels, columns, providers
  cli('sample --n 0', S('cgan', '--n', '0', '--out', OUT), ['--n', '0', '[1, 10000]']),
  cli('sample --n 10001', S('cgan', '--n', '10001', '--out', OUT), ['--n', '10001']),
  cli('sample --n abc', S('cgan', '--n', 'abc', '--out', OUT), ['--n', '"abc"']),
  cli('sample --n 1e999', S('cgan', '--n', '1e999', '--out', OUT), ['--n', '"1e999"']),
  cli('sample --n 2.5', S('cgan', '--n', '2.5', '--out', OUT), ['--n', '"2.5"']),
  cli('sample --seed -1', S('cgan', '--seed', '-1', '--out', OUT), ['--seed', '"-1"', '[0, 4294967295]']),
  cli('sample --seed 4294967296', S('cgan', '--seed', '4294967296', '--out', OUT), ['--seed', '4294967296', '[0, 4294967295]']),
  cli('sample --seed 1e20', S('cgan', '--seed', '1e20', '--out', OUT), ['--seed', '"1e20"']),
  cli('sample --seed 1.5', S('cgan', '--seed', '1.5', '--out', OUT), ['--seed', '"1.5"']),
  cli('sample --label 10', S('cgan', '--label', '10', '--out', OUT), ['--label', '10', '[0, 9]']),
  cli('sample --label -1', S('cgan', '--label', '-1', '--out', OUT), ['--label', '-1']),
  cli('sample --label x', S('cgan', '--label', 'x', '--out', OUT), ['--label', '"x"']),
  cli('sample --label on an unconditional GAN', S('gan', '--label', '3', '--out', OUT), ['--label 3', 'gan', 'unconditional']),
  cli('sample --label on a flow', S('maf-moons', '--label', '1', '--out', OUT), ['--label', 'maf-moons', 'flow']),
  cli('sample --cols 1000000000', S('cgan', '--n', '4', '--cols', '1000000000', '--out', OUT), ['--cols', '1000000000', '[1, 4]']),
  cli('sample --cols 0', S('cgan', '--n', '4', '--cols', '0', '--out', OUT), ['--cols', '0']),
  cli('sample --provider gpu', S('cgan', '--provider', 'gpu', '--out', OUT), ['--provider', '"gpu"', 'auto, cuda, cpu, webgpu']),
  cli('sample --redraw-diverged on a GAN', S('cgan', '--redraw-diverged', '--out', OUT), ['--redraw-diverged', 'cgan']),
  // dgm sample: where the PNG goes
  cli("sample --out ''", S('cgan', '--out', ''), ['--out', '""']),
  cli('sample --out <symlink>', S('cgan', '--out', R('out', 'link.png')), ['--out', R('out', 'link.png'), 'symbolic link', R('out', 'target.png')]),
  cli('sample --out <dangling symlink>', S('cgan', '--out', R('out', 'dangling.png')), [R('out', 'dangling.png'), 'symbolic link']),
  cli('sample --out <directory>', S('cgan', '--out', R('out', 'adir')), [R('out', 'adir'), 'directory']),
  cli('sample --out <FIFO>', S('cgan', '--out', R('out', 'fifo')), [R('out', 'fifo'), 'FIFO']),
  cli('sample --out <folder/>', S('cgan', '--out', R('out', 'newdir') + '/'), [R('out', 'newdir') + '/', 'path separator']),
  cli('sample --out /dev/null', S('cgan', '--out', '/dev/null'), ['/dev/null', 'character device']),
  cli('sample --out under a file', S('cgan', '--out', R('out', 'target.png', 'x.png')), [R('out', 'target.png')]),
  cli('sample without --out', S('cgan'), ['--out']),
  // dgm sample: models that are missing, empty, truncated, corrupt, altered or of the wrong kind
  cli('sample <unknown name>', S('nope', '--out', OUT), ['"nope"', 'cgan, gan, maf-4d, maf-img, maf-moons']),
  cli("sample ''", S('', '--out', OUT), ['model ""']),
  cli('sample <missing file>', S(R('bad', 'missing.onnx'), '--out', OUT), ['"' + R('bad', 'missing.onnx') + '"']),
  cli('sample <empty file>', S(R('bad', 'empty.onnx'), '--out', OUT), [R('bad', 'empty.onnx'), 'no model card']),
  cli('sample <truncated file>', S(R('bad', 'trunc.onnx'), '--out', OUT), [R('bad', 'trunc.onnx'), 'not a valid ONNX file']),
  cli('sample <garbage file>', S(R('bad', 'garbage.onnx'), '--out', OUT), [R('bad', 'garbage.onnx')]),
  cli('sample <file without a card>', S(R('bad', 'nocard.onnx'), '--out', OUT), [R('bad', 'nocard.onnx'), 'has no model card']),
  cli('sample <a flipped weight byte>', S(R('bad', 'flipped'), '--out', OUT), [R('bad', 'flipped', 'model.onnx'), 'sha256', 'altered', '(to skip this check: --no-verify)']),
  cli('sample <a sibling from another flow>', S(R('bad', 'swapped'), '--out', OUT), [R('bad', 'swapped', 'sample.onnx'), 'belongs to model maf-moons-b@', '--no-verify']),
  cli('sample <a stale card.json>', S(R('bad', 'stale'), '--out', OUT), [R('bad', 'stale', 'card.json'), R('bad', 'stale', 'model.onnx'), 'training.step']),
  cli('sample <a card altered inside the file>', S(R('bad', 'card-edit.onnx'), '--out', OUT), [R('bad', 'card-edit.onnx'), 'dgm.card.sha256']),
  cli('sample <a flow with no picture>', S('maf-4d', '--out', OUT), ['maf-4d', '4-D samples']),
  cli('sample --models <missing folder>', ['sample', 'my-model', '--models', R('no-models'), '--out', OUT], ['"my-model"', R('no-models')]),
  // dgm logprob: data files and models
  cli('logprob <CSV file>', LP('maf-img', R('data', 'rows.csv')), [R('data', 'rows.csv'), 'IDX', 'PNG', 'JSON']),
  cli('logprob <truncated IDX>', LP('maf-img', R('data', 'trunc.idx')), [R('data', 'trunc.idx')]),
  cli('logprob <IDX with a bad magic>', LP('maf-img', R('data', 'badmagic.idx')), [R('data', 'badmagic.idx'), 'magic']),
  cli('logprob <IDX of 10x10 images>', LP('maf-img', R('data', 'small.idx')), [R('data', 'small.idx'), '[3, 10, 10]', '28x28']),
  cli('logprob <corrupt .gz>', LP('maf-img', R('data', 'corrupt.idx.gz')), [R('data', 'corrupt.idx.gz')]),
  cli('logprob <JSON with 1e999>', LP('maf-moons', R('data', 'inf.json')), [R('data', 'inf.json'), 'row 0, value 1', 'Infinity']),
  cli('logprob <JSON rows of the wrong width>', LP('maf-moons', R('data', 'wide.json')), [R('data', 'wide.json'), 'row 0', '2 finite numbers']),
  cli('logprob <JSON that is not JSON>', LP('maf-moons', R('data', 'bad.json')), [R('data', 'bad.json'), 'not valid JSON']),
  cli('logprob <an empty JSON list>', LP('maf-moons', R('data', 'empty.json')), [R('data', 'empty.json'), 'non-empty']),
  cli('logprob <a missing data file>', LP('maf-moons', R('data', 'nope.json')), [R('data', 'nope.json')]),
  cli('logprob <a PNG for a 2-D flow>', LP('maf-moons', R('data', 'first.png')), [R('data', 'first.png'), '2 values']),
  cli('logprob <a 10x10 PNG for a 28x28 flow>', LP('maf-img', R('data', 'small.png')), [R('data', 'small.png'), '10x10', '28x28']),
  cli('logprob <a GAN>', LP('cgan', R('data', 'three.idx')), ['cgan', 'GAN', 'dgm sample']),
  cli('logprob --limit 0', LP('maf-img', R('data', 'three.idx'), '--limit', '0'), ['--limit', '0']),
  cli('logprob --seed -1', LP('maf-img', R('data', 'three.idx'), '--seed', '-1'), ['--seed', '"-1"', '[0, 4294967295]']),
  cli('logprob --seed 4294967296', LP('maf-img', R('data', 'three.idx'), '--seed', '4294967296'), ['--seed', '4294967296']),
  cli('logprob --provider tpu', LP('maf-img', R('data', 'three.idx'), '--provider', 'tpu'), ['--provider', '"tpu"']),
  cli('logprob <a flipped weight byte>', LP(R('bad', 'flipped-flow'), R('data', 'points.json')), [R('bad', 'flipped-flow', 'model.onnx'), 'sha256']),
  // dgm train: flags refused before a run folder exists, and settings refused after (the folder is removed again)
  cli('train --seed 4294967296', TRAIN('maf-moons', '--seed', '4294967296', '--run-dir', R('runs', 'a')), ['--seed', '4294967296', '[0, 4294967295]']),
  cli('train --seed 1e20', TRAIN('maf-moons', '--seed', '1e20', '--run-dir', R('runs', 'a')), ['--seed', '"1e20"']),
  cli('train --seed -1', TRAIN('maf-moons', '--seed', '-1', '--run-dir', R('runs', 'a')), ['--seed', '"-1"']),
  cli('train --threads 0', TRAIN('maf-moons', '--threads', '0', '--run-dir', R('runs', 'a')), ['--threads', "'0'"]),
  cli('train --epochs 1.5', TRAIN('maf-moons', '--epochs', '1.5', '--run-dir', R('runs', 'a')), ['--epochs', "'1.5'"]),
  cli('train --backend gpu', ['train', 'maf-moons', '--backend', 'gpu', '--run-dir', R('runs', 'a')], ['--backend', "'gpu'"]),
  cli('train <unknown model>', TRAIN('nope', '--run-dir', R('runs', 'a')), ['"nope"', 'maf-moons']),
  cli('train --name a/b', TRAIN('maf-moons', '--name', 'a/b'), ['--name', '"a/b"']),
  cli('train --resume --fresh', TRAIN('maf-moons', '--resume', '--fresh', '--run-dir', R('runs', 'a')), ['--resume', '--fresh']),
  cli('train --set hidden', TRAIN('maf-moons', '--set', 'hidden', '--run-dir', R('runs', 'a')), ['--set', "'hidden'", 'key=value']),
  cli('train --set hidden=0', TRAIN('maf-moons', '--set', 'hidden=0', '--run-dir', R('runs', 'a')), ['--set hidden=0', 'integer >= 1']),
  cli('train --set lr=1e999', TRAIN('maf-moons', '--set', 'lr=1e999', '--run-dir', R('runs', 'a')), ['--set lr=1e999', 'Infinity']),
  cli('train --set nope=1', TRAIN('maf-moons', '--set', 'nope=1', '--run-dir', R('runs', 'a')), ['--set nope', 'unknown setting', 'hidden']),
  cli('train --resume without a checkpoint', TRAIN('maf-moons', '--resume', '--run-dir', R('runs', 'a')), ['--resume', R('runs', 'a', 'checkpoint.ckpt')]),
  // dgm data: IDX files that are truncated, disagree in count, hold labels out of range
  cli('data <counts that disagree>', ['data', '--data', R('fm-counts')], [R('fm-counts'), '3 images', '2 labels']),
  cli('data <a label out of range>', ['data', '--data', R('fm-labels')], [R('fm-labels'), 'label 12', '0..9']),
  cli('data <a truncated image file>', ['data', '--data', R('fm-trunc')], [R('fm-trunc')]),
  cli('data --grid <symlink>', ['data', '--data', R('fm-counts'), '--grid', R('out', 'link.png')], ['--grid', R('out', 'link.png'), 'symbolic link']),
  // dgm serve, export, eval
  cli('serve --port 70000', ['serve', '--models', M, '--port', '70000'], ['--port', '70000', '[0, 65535]']),
  cli('serve --port abc', ['serve', '--models', M, '--port', 'abc'], ['--port', 'abc']),
  cli('export <unknown run>', ['export', 'nope', '--runs-dir', R('runs'), '--out', M], ['nope']),
  cli('eval --seed 1e20', ['eval', '--seed', '1e20', '--models-dir', M], ['--seed', '"1e20"']),

  // The runtime API
  apiCase('GanSampler.load <missing>', () => GanSampler.load(R('bad', 'missing.onnx')), [R('bad', 'missing.onnx'), 'does not exist']),
  apiCase('GanSampler.load <empty bytes>', () => GanSampler.load(new Uint8Array(0)), ['model bytes', 'no model card']),
  apiCase('GanSampler.load <truncated>', () => GanSampler.load(R('bad', 'trunc.onnx')), [R('bad', 'trunc.onnx')]),
  apiCase('GanSampler.load <a flow>', () => GanSampler.load(R('models', 'maf-moons')), [R('models', 'maf-moons', 'model.onnx'), 'not a GAN']),
  apiCase('Flow.load <a GAN>', () => Flow.load(R('models', 'cgan')), [R('models', 'cgan', 'model.onnx'), 'not a flow']),
  apiCase('Flow.load <a number>', () => Flow.load(42 as never), ['model source', 'number']),
  apiCase('GanSampler.load <flipped weight byte>', () => GanSampler.load(R('bad', 'flipped')), [R('bad', 'flipped', 'model.onnx'), 'sha256']),
  apiCase('GanSampler.load <flipped weight bytes, as bytes>', () => GanSampler.load(new Uint8Array(fs.readFileSync(R('bad', 'flipped', 'model.onnx')))), ['model bytes', 'sha256']),
  apiCase('Flow.load <a stale card.json>', () => Flow.load(R('bad', 'stale')), [R('bad', 'stale', 'card.json')]),
  apiCase('flow.sample <a swapped sibling>', async () => (await Flow.load(R('bad', 'swapped'))).sample({ n: 1, seed: 1 }), [R('bad', 'swapped', 'sample.onnx'), 'maf-moons-b@']),
  apiCase('GanSampler.load provider tpu', () => GanSampler.load(R('models', 'cgan'), { provider: 'tpu' as never }), ['provider', '"tpu"']),
  apiCase('gan.sample n 0', () => withGan((g) => g.sample({ n: 0, seed: 1 })), ['n', '0', '[1, 10000]']),
  apiCase('gan.sample n 2.5', () => withGan((g) => g.sample({ n: 2.5, seed: 1 })), ['n', '2.5']),
  apiCase("gan.sample n '3'", () => withGan((g) => g.sample({ n: '3' as never, seed: 1 })), ['n', '"3"']),
  apiCase('gan.sample seed -1', () => withGan((g) => g.sample({ n: 1, seed: -1 })), ['seed', '-1', '[0, 4294967295]']),
  apiCase('gan.sample seed 2^32', () => withGan((g) => g.sample({ n: 1, seed: 2 ** 32 })), ['seed', '4294967296']),
  apiCase('gan.sample seed 1e20', () => withGan((g) => g.sample({ n: 1, seed: 1e20 })), ['seed', '100000000000000000000']),
  apiCase('gan.sample labels 10', () => withGan((g) => g.sample({ n: 2, seed: 1, labels: 10 })), ['labels', '10', '[0, 9]']),
  apiCase('gan.sample labels of the wrong length', () => withGan((g) => g.sample({ n: 3, seed: 1, labels: [1, 2] })), ['labels', 'n = 3', '2']),
  apiCase("gan.sample labels 'a'", () => withGan((g) => g.sample({ n: 3, seed: 1, labels: 'a' as never })), ['labels', '"a"']),
  apiCase('flow.logProb rows of the wrong width', () => withFlow((f) => f.logProb([[1, 2, 3]])), ['x[0]', '2 values', '3']),
  apiCase('flow.logProb NaN', () => withFlow((f) => f.logProb([[NaN, 0]])), ['x[0][0]', 'NaN']),
  apiCase('flow.logProb empty', () => withFlow((f) => f.logProb([])), ['x must hold', 'got length 0']),
  apiCase('flow.sample n 10001', () => withFlow((f) => f.sample({ n: 10001, seed: 1 })), ['n', '10001']),
  apiCase('flow.sample seed 1.5', () => withFlow((f) => f.sample({ n: 1, seed: 1.5 })), ['seed', '1.5']),
  apiCase('flow.logProbData seed -3', () => withImageFlow((f) => f.logProbData(new Uint8Array(784), -3)), ['seed', '-3']),

  // The server (the app's API on a server bound to 127.0.0.1)
  http_('Host evil.example', '/api/models', 403, ['"evil.example"'], { Host: 'evil.example' }),
  http_('Host 127.0.0.1.example', '/api/models', 403, ['"127.0.0.1.example'], { Host: '127.0.0.1.example' }),
  http_('Host of a model file', '/models/cgan/model.onnx', 403, ['"evil.example:80"'], { Host: 'evil.example:80' }),
  http_('count=0', '/api/test-images?count=0', 400, ['count', '"0"', '[1, 100]']),
  http_('count=101', '/api/test-images?count=101', 400, ['count', '"101"']),
  http_('count=abc', '/api/test-images?count=abc', 400, ['count', '"abc"']),
  http_('count=1e1', '/api/test-images?count=1e1', 400, ['count', '"1e1"']),
  http_('count= (empty)', '/api/test-images?count=', 400, ['count', '""']),
  http_('count twice', '/api/test-images?count=1&count=2', 400, ['"count"', 'twice']),
  http_('an unknown parameter', '/api/models?x=1', 400, ['"x"', '/api/models']),
  http_('traversal', '/models/%2e%2e/bad/flipped/model.onnx', 403, ['forbidden']),
  http_('POST', '/api/models', 405, ['method not allowed'], {}, 'POST'),
];

let gan: GanSampler;
let flow: Flow;
let imageFlow: Flow;
const withGan = (f: (g: GanSampler) => Promise<unknown>) => f(gan);
const withFlow = (f: (g: Flow) => Promise<unknown>) => f(flow);
const withImageFlow = (f: (g: Flow) => Promise<unknown>) => f(imageFlow);

beforeAll(async () => {
  await useTfCpu();
  const disposeAll = async (ps: Promise<{ dispose(): void }>[]) => {
    for (const p of ps) (await p).dispose();
  };
  const moons = { space: 'standardized', details: { mean: [0.5, 0.2], std: [0.9, 0.5] } };
  await disposeAll([exportGan(M, 'cgan', { numClasses: 10, head: 'projection' })]);
  await disposeAll([exportGan(M, 'gan', {}, 3)]);
  await disposeAll([exportMaf(M, 'maf-moons', { inputSize: 2, hiddenSize: 8, nHidden: 1, nFlows: 2 }, moons)]);
  await disposeAll([exportMaf(R('other'), 'maf-moons-b', { inputSize: 2, hiddenSize: 8, nHidden: 1, nFlows: 2 }, moons, 9)]);
  await disposeAll([exportMaf(M, 'maf-4d', { inputSize: 4, hiddenSize: 8, nHidden: 1, nFlows: 1 }, { space: 'test' })]);
  await disposeAll([exportMaf(M, 'maf-img', { inputSize: 784, hiddenSize: 8, nHidden: 1, nFlows: 1 }, { space: 'logit', details: { lambda: 1e-6 } })]);

  const bad = R('bad');
  fs.mkdirSync(bad);
  const cganBytes = fs.readFileSync(path.join(M, 'cgan', 'model.onnx'));
  fs.writeFileSync(path.join(bad, 'empty.onnx'), '');
  fs.writeFileSync(path.join(bad, 'trunc.onnx'), cganBytes.subarray(0, 5000));
  const rng = new Random(5);
  fs.writeFileSync(path.join(bad, 'garbage.onnx'), Uint8Array.from({ length: 3000 }, () => rng.int(256)));
  fs.writeFileSync(path.join(bad, 'nocard.onnx'), withMetadata(cganBytes, {}));
  const flipped = (src: string, name: string) => {
    fs.cpSync(src, path.join(bad, name), { recursive: true });
    const f = path.join(bad, name, 'model.onnx');
    const b = fs.readFileSync(f);
    b[weightByte(b)] ^= 0x10;
    fs.writeFileSync(f, b);
  };
  flipped(path.join(M, 'cgan'), 'flipped');
  flipped(path.join(M, 'maf-moons'), 'flipped-flow');
  fs.cpSync(path.join(M, 'maf-moons'), path.join(bad, 'swapped'), { recursive: true });
  fs.copyFileSync(R('other', 'maf-moons-b', 'sample.onnx'), path.join(bad, 'swapped', 'sample.onnx'));
  fs.cpSync(path.join(M, 'maf-moons'), path.join(bad, 'stale'), { recursive: true });
  const card = JSON.parse(fs.readFileSync(path.join(bad, 'stale', 'card.json'), 'utf8'));
  card.training.step = 123;
  fs.writeFileSync(path.join(bad, 'stale', 'card.json'), JSON.stringify(card, null, 2));
  const edited = Buffer.from(cganBytes);
  const at = edited.lastIndexOf(Buffer.from('"numClasses":10'));
  edited[at + '"numClasses":1'.length] = '1'.charCodeAt(0); // 10 -> 11 classes: still a card, no longer the one exported
  fs.writeFileSync(path.join(bad, 'card-edit.onnx'), edited);

  const data = R('data');
  fs.mkdirSync(data);
  const pixels = Uint8Array.from({ length: 3 * 784 }, () => rng.int(256));
  writeIdx(path.join(data, 'three.idx'), { dims: [3, 28, 28], data: pixels });
  fs.writeFileSync(path.join(data, 'trunc.idx'), encodeIdx({ dims: [3, 28, 28], data: pixels }).subarray(0, 1000));
  const badMagic = Buffer.from(encodeIdx({ dims: [3, 28, 28], data: pixels }));
  badMagic[0] = 0x12;
  fs.writeFileSync(path.join(data, 'badmagic.idx'), badMagic);
  writeIdx(path.join(data, 'small.idx'), { dims: [3, 10, 10], data: pixels.subarray(0, 300) });
  fs.writeFileSync(path.join(data, 'corrupt.idx.gz'), Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7]));
  fs.writeFileSync(path.join(data, 'rows.csv'), '0.1,0.2\n0.3,0.4\n');
  fs.writeFileSync(path.join(data, 'inf.json'), '[[0.5, 1e999]]');
  fs.writeFileSync(path.join(data, 'wide.json'), '[[1, 2, 3]]');
  fs.writeFileSync(path.join(data, 'bad.json'), '[[1, 2],');
  fs.writeFileSync(path.join(data, 'empty.json'), '[]');
  fs.writeFileSync(path.join(data, 'points.json'), '[[0.1, 0.2]]');
  const gray = (w: number, h: number) => {
    const rgba = new Uint8Array(w * h * 4).fill(255);
    return encodePng(w, h, rgba);
  };
  fs.writeFileSync(path.join(data, 'first.png'), gray(28, 28));
  fs.writeFileSync(path.join(data, 'small.png'), gray(10, 10));

  const out = R('out');
  fs.mkdirSync(path.join(out, 'adir'), { recursive: true });
  fs.writeFileSync(path.join(out, 'target.png'), 'keep');
  fs.symlinkSync(path.join(out, 'target.png'), path.join(out, 'link.png'));
  fs.symlinkSync(path.join(out, 'nowhere.png'), path.join(out, 'dangling.png'));
  execFileSync('mkfifo', [path.join(out, 'fifo')]);

  // Fashion-MNIST-like folders: four IDX files each, one thing wrong in each.
  const fm = (dir: string, trainImages: Uint8Array, trainLabels: Uint8Array) => {
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'train-images-idx3-ubyte'), trainImages);
    fs.writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), trainLabels);
    fs.writeFileSync(path.join(dir, 't10k-images-idx3-ubyte'), encodeIdx({ dims: [3, 28, 28], data: pixels }));
    fs.writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte'), encodeIdx({ dims: [3], data: Uint8Array.from([0, 1, 2]) }));
  };
  const images3 = encodeIdx({ dims: [3, 28, 28], data: pixels });
  fm(R('fm-counts'), images3, encodeIdx({ dims: [2], data: Uint8Array.from([0, 1]) }));
  fm(R('fm-labels'), images3, encodeIdx({ dims: [3], data: Uint8Array.from([0, 12, 1]) }));
  fm(R('fm-trunc'), images3.subarray(0, 900), encodeIdx({ dims: [3], data: Uint8Array.from([0, 1, 2]) }));

  gan = await GanSampler.load(path.join(M, 'cgan'));
  flow = await Flow.load(path.join(M, 'maf-moons'));
  imageFlow = await Flow.load(path.join(M, 'maf-img'));
  server = await startServer({
    roots: [{ prefix: '/models/', dir: M }],
    api: appApi(M, (count) => ({ images: [], labels: [], classNames: [], source: `stub of ${count}` }), () => {}),
    port: 0,
  });
});

afterAll(async () => {
  await Promise.all([gan?.release(), flow?.release(), imageFlow?.release(), server?.close()]);
  fs.rmSync(root, { recursive: true, force: true });
});

test('the table is large enough and its names are unique', () => {
  expect(cases.length).toBeGreaterThanOrEqual(60);
  expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
});

// DGM_BAD_INPUT_REPORT=<file>: also write every case's status and message there (for reading them all at once).
const report: string[] = [];
afterAll(() => {
  if (process.env.DGM_BAD_INPUT_REPORT) fs.writeFileSync(process.env.DGM_BAD_INPUT_REPORT, report.join('\n') + '\n');
});

test.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
  const before = snapshot(root);
  const r = await c.run();
  report.push(`${c.name} -> ${r.status}: ${r.message.split(root).join('<tmp>').trim()}`);
  expect({ status: r.status }).toEqual({ status: c.status });
  for (const n of c.names) expect({ message: r.message, names: n, found: r.message.includes(n) }).toEqual({ message: r.message, names: n, found: true });
  expect(snapshot(root)).toEqual(before);
});
