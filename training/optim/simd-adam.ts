/**
 * The Adam update as a WebAssembly SIMD loop that works in place on the tfjs wasm backend's own memory (imported, so
 * no copies): one pass reading param, m, v, grad and writing the three new tensors, 4 floats per instruction.
 *
 * The module is a few hundred bytes, assembled here rather than shipped as a binary or compiled from text at run
 * time (a WAT compiler would be a multi-megabyte dependency for one loop). Each f32x4 operation rounds to float32 as
 * tfjs' element-wise kernels do, in the same order as tf.train.adam:
 *   m' = m*b1 + g*(1-b1);  v' = v*b2 + (g*g)*(1-b2);  p' = ((m'/c1) / (sqrt(v'/c2) + eps)) * (-lr) + p
 */

/** Parameters of the exported `adam` function, in order: 8 i32 (byte offsets, then a byte count), then 8 f32. */
export type SimdAdam = (p: number, m: number, v: number, g: number, pOut: number, mOut: number, vOut: number, nBytes: number,
  b1: number, b2: number, ob1: number, ob2: number, c1: number, c2: number, eps: number, negLr: number) => void;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
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

const str = (s: string): number[] => [...uleb(s.length), ...Buffer.from(s, 'utf8')];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

// Opcodes (WebAssembly core 2.0 with the fixed-width SIMD proposal).
const I32 = 0x7f, F32 = 0x7d, V128 = 0x7b;
const get = (i: number) => [0x20, ...uleb(i)];
const set = (i: number) => [0x21, ...uleb(i)];
const tee = (i: number) => [0x22, ...uleb(i)];
const I32_ADD = [0x6a], I32_GE_U = [0x4f];
const i32Const = (n: number) => [0x41, ...sleb(n)];
const simd = (op: number) => [0xfd, ...uleb(op)];
const LOAD = [...simd(0x00), 0, 0]; // memarg: alignment hint 2^0, offset 0
const STORE = [...simd(0x0b), 0, 0];
const SPLAT = simd(0x13), SQRT = simd(0xe3), ADD = simd(0xe4), MUL = simd(0xe6), DIV = simd(0xe7);

// Locals: params 0-7 (i32 P, M, V, G, PO, MO, VO, NBYTES), 8-15 (f32 scalars); then i, the 8 splats, gi, mi, vi.
const [P, M, V, G, PO, MO, VO, NBYTES] = [0, 1, 2, 3, 4, 5, 6, 7];
const I = 16;
const [B1, B2, OB1, OB2, C1, C2, EPS, NLR] = [17, 18, 19, 20, 21, 22, 23, 24];
const [GI, MI, VI] = [25, 26, 27];
const at = (base: number) => [...get(base), ...get(I), ...I32_ADD];

function body(): number[] {
  const code = [
    ...[0, 1, 2, 3, 4, 5, 6, 7].flatMap((k) => [...get(8 + k), ...SPLAT, ...set(B1 + k)]),
    0x02, 0x40, // block
    0x03, 0x40, // loop
    ...get(I), ...get(NBYTES), ...I32_GE_U, 0x0d, 1, // br_if out of the block
    ...at(G), ...LOAD, ...set(GI),
    // m' -> mOut
    ...at(MO),
    ...at(M), ...LOAD, ...get(B1), ...MUL, ...get(GI), ...get(OB1), ...MUL, ...ADD,
    ...tee(MI), ...STORE,
    // v' -> vOut
    ...at(VO),
    ...at(V), ...LOAD, ...get(B2), ...MUL, ...get(GI), ...get(GI), ...MUL, ...get(OB2), ...MUL, ...ADD,
    ...tee(VI), ...STORE,
    // p' -> pOut
    ...at(PO),
    ...get(MI), ...get(C1), ...DIV,
    ...get(VI), ...get(C2), ...DIV, ...SQRT, ...get(EPS), ...ADD,
    ...DIV, ...get(NLR), ...MUL,
    ...at(P), ...LOAD, ...ADD,
    ...STORE,
    ...get(I), ...i32Const(16), ...I32_ADD, ...set(I),
    0x0c, 0, // br to the loop
    0x0b, // end loop
    0x0b, // end block
    0x0b, // end function
  ];
  const locals = vec([[...uleb(1), I32], [...uleb(11), V128]]);
  const fn = [...locals, ...code];
  return [...uleb(fn.length), ...fn];
}

/** The module's bytes; `shared` must match the memory it will import (the threaded tfjs build shares its memory). */
export function simdAdamModuleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  const type = [0x60, ...vec([...Array(8).fill([I32]), ...Array(8).fill([F32])]), ...vec([])];
  // Limits: min 0 pages, and for shared memory the wasm32 maximum (an import may declare a larger max than it gets).
  const limits = shared ? [0x03, ...uleb(0), ...uleb(65536)] : [0x00, ...uleb(0)];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([type])),
    ...section(2, vec([[...str('env'), ...str('memory'), 0x02, ...limits]])),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...str('adam'), 0x00, 0]])),
    ...section(10, vec([body()])),
  ]);
}

const instances = new WeakMap<WebAssembly.Memory, SimdAdam>();

/** The `adam` function bound to `memory` (instantiated once per memory). */
export function simdAdamFor(memory: WebAssembly.Memory): SimdAdam {
  let f = instances.get(memory);
  if (!f) {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const instance = new WebAssembly.Instance(new WebAssembly.Module(simdAdamModuleBytes(shared)), { env: { memory } });
    f = instance.exports.adam as unknown as SimdAdam;
    instances.set(memory, f);
  }
  return f;
}
