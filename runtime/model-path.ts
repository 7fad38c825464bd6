/**
 * What a `<model>` argument names: a folder or .onnx file, else a model in the models folder by its name, else a
 * model the runtime package ships (runtime/models/) by its name.
 */
import * as fs from 'fs';
import * as path from 'path';
import { listShippedModels } from './node';
import { shippedModelsDir } from './node-location';

export function resolveModelPath(arg: string, modelsDir = 'models'): string {
  if (fs.existsSync(arg)) return arg;
  const named = path.join(modelsDir, arg);
  const isName = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(arg);
  if (isName && fs.existsSync(named)) return named;
  const shipped = listShippedModels().map((m) => m.name);
  if (isName && shipped.includes(arg)) return path.join(shippedModelsDir(), arg);
  const known = fs.existsSync(modelsDir)
    ? fs.readdirSync(modelsDir, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('.') && fs.existsSync(path.join(modelsDir, e.name, 'model.onnx'))).map((e) => e.name)
    : [];
  throw new Error(
    `model ${JSON.stringify(arg)} is neither a file/folder, nor a model in ${modelsDir}/ (exported models: ${known.length ? known.join(', ') : 'none; run dgm export'}), nor a shipped model (${shipped.length ? shipped.join(', ') : 'none'})`,
  );
}
