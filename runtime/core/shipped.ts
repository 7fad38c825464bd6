/**
 * The trained models the package ships, listed in models/index.json (written by `make zoo`, export/zoo.ts). A model
 * is loaded by its name: in Node from the installed package, in a browser from `baseUrl` + '<name>/', which the app
 * serves (a copy of the package's models/ folder).
 */

export interface ShippedFile {
  file: string;
  role: string;
  bytes: number;
  sha256: string;
  /** sha256 of the file without its metadata (the card, which records when and from what it was exported): equal
   *  across exports exactly when the graph and every weight are. */
  graphSha256: string;
}

export interface ShippedModel {
  name: string;
  family: string;
  kind: string;
  description: string;
  /** How the weights are stored in the files (computed in float32 either way). */
  weights: 'float32' | 'float16';
  files: ShippedFile[];
  /** Headline figures measured on this very file (FID-FMNIST, class fidelity, nats per point, ...). */
  figures: Record<string, number | string>;
}

export interface ShippedIndex {
  models: ShippedModel[];
}

/** A bare model name as `load('cgan')` takes it: no slash, no extension. */
export function isModelName(s: string): boolean {
  return /^[a-z0-9][a-z0-9-]*$/.test(s);
}

export function parseShippedIndex(text: string, where: string): ShippedIndex {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new Error(`${where}: not JSON (${(err as Error).message})`);
  }
  const models = (v as ShippedIndex | null)?.models;
  if (!Array.isArray(models) || !models.every((m) => m && typeof m.name === 'string' && Array.isArray(m.files))) {
    throw new Error(`${where}: expected { models: [{ name, files, ... }] }`);
  }
  return v as ShippedIndex;
}
