/**
 * A minimal WebAssembly binary writer for our few SIMD loops (optim/simd-adam.ts, wasm-kernels/simd-column-sum.ts):
 * each is one function that imports the tfjs wasm backend's memory and works on tensors in place.
 *
 * The modules are a few hundred bytes, assembled here rather than shipped as binaries or compiled from text at run
 * time (a WAT compiler would be a multi-megabyte dependency for a few loops).
 */

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

// TextEncoder, not Buffer: the kernels run in the browser's tfjs-wasm too (the training page).
const str = (s: string): number[] => {
  const b = new TextEncoder().encode(s);
  return [...uleb(b.length), ...b];
};
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

// Value types and opcodes (WebAssembly core 2.0 with the fixed-width SIMD proposal).
export const I32 = 0x7f, F32 = 0x7d, V128 = 0x7b;
export const get = (i: number) => [0x20, ...uleb(i)];
export const set = (i: number) => [0x21, ...uleb(i)];
export const tee = (i: number) => [0x22, ...uleb(i)];
export const I32_ADD = [0x6a], I32_GE_U = [0x4f];
/** i8x16.shuffle: the 16 result bytes, each an index into the 32 bytes of the two operands (a's 0-15, b's 16-31). */
export const I8X16_SHUFFLE = (lanes: number[]) => {
  if (lanes.length !== 16 || lanes.some((l) => !(l >= 0 && l < 32))) throw new Error(`i8x16.shuffle: 16 byte lanes in 0..31, got ${lanes}`);
  return [0xfd, 0x0d, ...lanes];
};
/** i8x16.shuffle selecting four 32-bit lanes (a's 0-3, b's 4-7). */
export const shuffle32 = (l: [number, number, number, number]) => I8X16_SHUFFLE(l.flatMap((k) => [4 * k, 4 * k + 1, 4 * k + 2, 4 * k + 3]));
export const i32Const = (n: number) => [0x41, ...sleb(n)];
export const simd = (op: number) => [0xfd, ...uleb(op)];
/** memarg: alignment hint 2^0 and a constant byte offset. */
const memarg = (offset: number) => [0, ...uleb(offset)];
export const V128_LOAD = (offset = 0) => [...simd(0x00), ...memarg(offset)];
export const V128_STORE = (offset = 0) => [...simd(0x0b), ...memarg(offset)];
/** Loads 8 bytes into the low half of a v128 and zeroes the high half. */
export const V128_LOAD64_ZERO = (offset = 0) => [...simd(0x5d), ...memarg(offset)];
export const F32X4_SPLAT = simd(0x13), F32X4_SQRT = simd(0xe3), F32X4_ADD = simd(0xe4), F32X4_MUL = simd(0xe6), F32X4_DIV = simd(0xe7);
export const F64X2_PROMOTE_LOW_F32X4 = simd(0x5f), F64X2_ADD = simd(0xf0);
/** Structured control: block/loop with no result, branch to an enclosing label, end. */
export const BLOCK = [0x02, 0x40], LOOP = [0x03, 0x40], END = [0x0b];
export const br = (depth: number) => [0x0c, ...uleb(depth)];
export const brIf = (depth: number) => [0x0d, ...uleb(depth)];

export interface FunctionSpec {
  /** Exported name. */
  name: string;
  params: number[];
  /** Extra locals after the params, as [count, type] runs. */
  locals: [number, number][];
  /** Instructions, without the function's final `end`. */
  code: number[];
}

/** A module with one function importing `env.memory`; `shared` must match the memory it will import (the threaded
 *  tfjs build shares its memory). */
export function moduleBytes(fn: FunctionSpec, shared: boolean): Uint8Array<ArrayBuffer> {
  const type = [0x60, ...vec(fn.params.map((p) => [p])), ...vec([])];
  // Limits: min 0 pages, and for shared memory the wasm32 maximum (an import may declare a larger max than it gets).
  const limits = shared ? [0x03, ...uleb(0), ...uleb(65536)] : [0x00, ...uleb(0)];
  const body = [...vec(fn.locals.map(([n, t]) => [...uleb(n), t])), ...fn.code, ...END];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([type])),
    ...section(2, vec([[...str('env'), ...str('memory'), 0x02, ...limits]])),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...str(fn.name), 0x00, 0]])),
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ]);
}

/** One instance per (module, memory): the exported function bound to `memory`. */
export function instantiator<F>(build: (shared: boolean) => Uint8Array<ArrayBuffer>, name: string): (memory: WebAssembly.Memory) => F {
  const instances = new WeakMap<WebAssembly.Memory, F>();
  return (memory) => {
    let f = instances.get(memory);
    if (!f) {
      const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
      const instance = new WebAssembly.Instance(new WebAssembly.Module(build(shared)), { env: { memory } });
      f = instance.exports[name] as unknown as F;
      instances.set(memory, f);
    }
    return f;
  };
}
