/**
 * The text of onnx.proto, in Node: read from beside this file (tsc compiles to dist/ without copying the schema, so
 * the source tree is the second place to look). The page's bundle replaces this module with onnx-schema.browser.ts
 * (the same text, inlined by the bundler): see training/browser/bundle.ts.
 */
import * as fs from 'fs';
import * as path from 'path';

export function onnxSchemaText(): string {
  const candidates = [path.join(__dirname, 'onnx.proto'), path.resolve(__dirname, '../../../export/onnx/onnx.proto')];
  const found = candidates.find((f) => fs.existsSync(f));
  if (!found) throw new Error(`ONNX schema onnx.proto not found (looked in ${candidates.join(', ')})`);
  return fs.readFileSync(found, 'utf8');
}
