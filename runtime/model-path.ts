/** What a `<model>` argument names: a folder or .onnx file, else a model in the models folder by its name. */
import * as fs from 'fs';
import * as path from 'path';

export function resolveModelPath(arg: string, modelsDir = 'models'): string {
  if (fs.existsSync(arg)) return arg;
  const named = path.join(modelsDir, arg);
  if (/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(arg) && fs.existsSync(named)) return named;
  const known = fs.existsSync(modelsDir)
    ? fs.readdirSync(modelsDir, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('.') && fs.existsSync(path.join(modelsDir, e.name, 'model.onnx'))).map((e) => e.name)
    : [];
  throw new Error(`model ${JSON.stringify(arg)} is neither a file/folder nor a model in ${modelsDir}/ (exported models: ${known.length ? known.join(', ') : 'none; run dgm export'})`);
}
