import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { GraphBuilder } from '../../export/onnx/graph-builder';
import { buildModel, modelBytes } from '../../export/onnx/model';
import { DataType } from '../../export/onnx/proto';
import { readOnnxMetadata } from '../../runtime/core/onnx-metadata';

/** A real ONNX model (two weights so the graph field is large) with the given metadata_props. */
function model(metadata: Record<string, string>): Uint8Array {
  const g = new GraphBuilder('m');
  const x = g.input('x', DataType.FLOAT, ['N', 300]);
  const w = g.weight('w', new Float32Array(300 * 200).fill(0.5), [300, 200]);
  g.output('y', g.op('MatMul', [x, w]), DataType.FLOAT, ['N', 200]);
  return modelBytes(buildModel(g, metadata));
}

describe('readOnnxMetadata', () => {
  const props = { 'dgm.card': JSON.stringify({ kind: 'test', note: 'é ü 😀', n: [1, 2] }), empty: '', other: 'x'.repeat(300) };
  const bytes = model(props);

  test('reads every metadata_props entry of a model built by the export builder', () => {
    expect(readOnnxMetadata(bytes)).toEqual(props);
    expect(readOnnxMetadata(model({}))).toEqual({});
  });

  test('agrees with the onnx Python package on the same file', () => {
    const py = spawnSync('/usr/bin/python3', ['-c', 'import onnx'], { encoding: 'utf8' });
    if (py.status !== 0) throw new Error('python3-onnx is needed for this test (bash .ci/apt-deps.sh installs it)');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dgm-meta-'));
    const file = path.join(dir, 'm.onnx');
    fs.writeFileSync(file, bytes);
    const r = spawnSync('/usr/bin/python3', ['-c', 'import onnx, sys, json; m = onnx.load(sys.argv[1]); print(json.dumps({p.key: p.value for p in m.metadata_props}))', file], {
      encoding: 'utf8',
    });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(r.stderr).toBe('');
    expect(readOnnxMetadata(bytes)).toEqual(JSON.parse(r.stdout));
  });

  test('truncated or foreign bytes give a clear error', () => {
    expect(() => readOnnxMetadata(bytes.subarray(0, bytes.length - 10))).toThrow(/^not a valid ONNX file: .* runs past the end/);
    expect(() => readOnnxMetadata(new TextEncoder().encode('<!doctype html><html>'))).toThrow(/^not a valid ONNX file/);
  });
});
