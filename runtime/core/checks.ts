/**
 * Input checks shared by every runtime entry point. Each bad input gets an error that names it and says what was
 * expected, because these are the errors a caller of `dgm sample` or of the browser page actually sees.
 */

/** More samples than this in one call would only fill memory with images nobody looks at. */
export const MAX_SAMPLES = 10000;

export function checkCount(name: string, n: unknown, max = MAX_SAMPLES): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > max) {
    throw new Error(`${name} must be an integer in [1, ${max}], got ${describe(n)}`);
  }
  return n;
}

/**
 * Seeds are integers in [0, 2^32): the generator (core/random.ts) is seeded with 32 bits, so larger or negative
 * values would only alias smaller ones (0 and 2^32 would draw the same noise). One rule for every command and the API.
 */
export const SEED_MAX = 2 ** 32 - 1;
const SEED_RANGE = `an integer in [0, 2^32 - 1] = [0, ${SEED_MAX}]`;

export function checkSeed(seed: unknown, name = 'seed'): number {
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > SEED_MAX) {
    throw new Error(`${name} must be ${SEED_RANGE}, got ${describe(seed)}`);
  }
  return seed;
}

/** A seed given as text (a command-line flag): decimal digits only, then checkSeed's range. */
export function parseSeed(text: string, name = '--seed'): number {
  if (typeof text !== 'string' || !/^\d+$/.test(text.trim())) throw new Error(`${name} must be ${SEED_RANGE}, got ${describe(text)}`);
  return checkSeed(Number(text.trim()), name);
}

/**
 * Labels as one class for every sample or one per sample, each an integer in [0, numClasses - 1].
 * Returns one label per sample.
 */
export function checkLabels(labels: unknown, n: number, numClasses: number): Int32Array {
  const out = new Int32Array(n);
  if (typeof labels === 'number') {
    checkLabel('labels', labels, numClasses);
    out.fill(labels);
    return out;
  }
  if (!isNumberList(labels)) {
    throw new Error(`labels must be an integer or a list of ${n} integers in [0, ${numClasses - 1}], got ${describe(labels)}`);
  }
  if (labels.length !== n) throw new Error(`labels must have one entry per sample (n = ${n}), got ${labels.length}`);
  for (let i = 0; i < n; i++) out[i] = checkLabel(`labels[${i}]`, labels[i], numClasses);
  return out;
}

function checkLabel(name: string, v: unknown, numClasses: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= numClasses) {
    throw new Error(`${name} must be an integer in [0, ${numClasses - 1}], got ${describe(v)}`);
  }
  return v;
}

/**
 * Rows for a model of `width` inputs: a flat [N * width] array or a list of N rows of `width` numbers.
 * Returns the rows flattened row-major as float32, after checking every value is finite.
 */
export function checkRows(name: string, x: unknown, width: number): { data: Float32Array; n: number } {
  let data: Float32Array;
  if (isNumericView(x) || (Array.isArray(x) && x.every((v) => typeof v === 'number'))) {
    const flat = x as ArrayLike<number>;
    if (flat.length === 0 || flat.length % width !== 0) {
      throw new Error(`${name} must hold N rows of ${width} values (length a positive multiple of ${width}), got length ${flat.length}`);
    }
    data = flat instanceof Float32Array ? flat : Float32Array.from(flat);
  } else if (Array.isArray(x) && x.length > 0 && x.every((r) => isNumberList(r))) {
    const rows = x as ArrayLike<number>[];
    data = new Float32Array(rows.length * width);
    rows.forEach((r, i) => {
      if (r.length !== width) throw new Error(`${name}[${i}] must have ${width} values (the model's width), got ${r.length}`);
      for (let j = 0; j < width; j++) data[i * width + j] = r[j];
    });
  } else {
    throw new Error(`${name} must be a non-empty Float32Array or array of rows of ${width} numbers, got ${describe(x)}`);
  }
  for (let k = 0; k < data.length; k++) {
    if (!Number.isFinite(data[k])) {
      const row = Math.floor(k / width);
      throw new Error(`${name}[${row}][${k % width}] is ${data[k]}: every value must be finite (no NaN or infinity)`);
    }
  }
  return { data, n: data.length / width };
}

/** A typed array of numbers (8-bit pixels as a Uint8Array included); not BigInt64Array, not DataView. */
function isNumericView(v: unknown): v is ArrayLike<number> {
  return ArrayBuffer.isView(v) && !(v instanceof DataView) && !(v instanceof BigInt64Array) && !(v instanceof BigUint64Array);
}

function isNumberList(v: unknown): v is ArrayLike<number> {
  if (v instanceof Float32Array || v instanceof Float64Array || v instanceof Int32Array || v instanceof Uint8Array) return true;
  return Array.isArray(v) && v.every((e) => typeof e === 'number');
}

export function describe(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  return `a ${Object.prototype.toString.call(v).slice(8, -1)}`;
}
