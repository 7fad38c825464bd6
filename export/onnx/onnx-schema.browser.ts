/** The text of onnx.proto in the page's bundle (the bundler's text loader inlines the file; see onnx-schema.ts). */
// @ts-expect-error: a .proto file is a module only to the bundler (esbuild's text loader)
import schema from './onnx.proto';

export function onnxSchemaText(): string {
  return schema as string;
}
