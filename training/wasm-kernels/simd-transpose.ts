/**
 * The transpose of 32-bit [R, C] matrices as a WebAssembly SIMD loop over the tfjs wasm heap: 4x4 tiles, each four
 * 16-byte loads, eight lane shuffles and four 16-byte stores. Upstream's wasm Transpose walks a general N-d index per
 * element (several times slower: docs/benchmarks.md), and every matMul gradient, and the product plan
 * that spares XNNPACK from repacking a fresh weight (batch-mat-mul.ts), transposes a matrix.
 *
 * The loop covers rows and columns up to a multiple of 4; the caller copies the remaining edge in JavaScript.
 */
import {
  BLOCK, br, brIf, END, get, I32, I32_ADD, I32_GE_U, i32Const, instantiator, LOOP, moduleBytes, set, shuffle32, V128,
  V128_LOAD, V128_STORE,
} from '../wasm-simd/assembler';

/**
 * For tile rows ib < rowTiles and tile columns jb < colTiles: the 4x4 block at src + ib*4*srcStride + jb*16 goes,
 * transposed, to dst + jb*4*dstStride + ib*16. Offsets and strides in bytes.
 */
export type SimdTranspose = (src: number, dst: number, srcStride: number, dstStride: number, rowTiles: number, colTiles: number) => void;

// Params SRC, DST, S, D, NR, NC; locals: ib, jb, p, q, rowPtr, colPtr, s2, s3, d2, d3, s4, d4; then r0-r3, t0-t3.
const [SRC, DST, S, D, NR, NC] = [0, 1, 2, 3, 4, 5];
const [IB, JB, P, Q, ROW, COL, S2, S3, D2, D3, S4, D4] = [6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17];
const [R0, R1, R2, R3, T0, T1, T2, T3] = [18, 19, 20, 21, 22, 23, 24, 25];
const add = (a: number, b: number, out: number) => [...get(a), ...get(b), ...I32_ADD, ...set(out)];
const addr = (base: number, off: number | null) => (off === null ? get(base) : [...get(base), ...get(off), ...I32_ADD]);

function code(): number[] {
  return [
    ...add(S, S, S2), ...add(S2, S, S3), ...add(S3, S, S4),
    ...add(D, D, D2), ...add(D2, D, D3), ...add(D3, D, D4),
    ...get(SRC), ...set(ROW), ...get(DST), ...set(COL),
    ...BLOCK, ...LOOP,
    ...get(IB), ...get(NR), ...I32_GE_U, ...brIf(1),
    ...get(ROW), ...set(P), ...get(COL), ...set(Q), ...i32Const(0), ...set(JB),
    ...BLOCK, ...LOOP,
    ...get(JB), ...get(NC), ...I32_GE_U, ...brIf(1),
    ...addr(P, null), ...V128_LOAD(), ...set(R0),
    ...addr(P, S), ...V128_LOAD(), ...set(R1),
    ...addr(P, S2), ...V128_LOAD(), ...set(R2),
    ...addr(P, S3), ...V128_LOAD(), ...set(R3),
    ...get(R0), ...get(R1), ...shuffle32([0, 4, 1, 5]), ...set(T0), // a0 b0 a1 b1
    ...get(R0), ...get(R1), ...shuffle32([2, 6, 3, 7]), ...set(T1), // a2 b2 a3 b3
    ...get(R2), ...get(R3), ...shuffle32([0, 4, 1, 5]), ...set(T2), // c0 d0 c1 d1
    ...get(R2), ...get(R3), ...shuffle32([2, 6, 3, 7]), ...set(T3), // c2 d2 c3 d3
    ...addr(Q, null), ...get(T0), ...get(T2), ...shuffle32([0, 1, 4, 5]), ...V128_STORE(), // a0 b0 c0 d0
    ...addr(Q, D), ...get(T0), ...get(T2), ...shuffle32([2, 3, 6, 7]), ...V128_STORE(),
    ...addr(Q, D2), ...get(T1), ...get(T3), ...shuffle32([0, 1, 4, 5]), ...V128_STORE(),
    ...addr(Q, D3), ...get(T1), ...get(T3), ...shuffle32([2, 3, 6, 7]), ...V128_STORE(),
    ...get(P), ...i32Const(16), ...I32_ADD, ...set(P),
    ...add(Q, D4, Q),
    ...get(JB), ...i32Const(1), ...I32_ADD, ...set(JB),
    ...br(0),
    ...END, ...END,
    ...add(ROW, S4, ROW),
    ...get(COL), ...i32Const(16), ...I32_ADD, ...set(COL),
    ...get(IB), ...i32Const(1), ...I32_ADD, ...set(IB),
    ...br(0),
    ...END, ...END,
  ];
}

export function simdTransposeModuleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  return moduleBytes({ name: 'transpose', params: [I32, I32, I32, I32, I32, I32], locals: [[12, I32], [8, V128]], code: code() }, shared);
}

export const simdTransposeFor = instantiator<SimdTranspose>(simdTransposeModuleBytes, 'transpose');

/** Rows x columns per call (multiples of 4), so that the output lines a block writes stay in cache. Other block shapes
 *  measured the same MAF step time (docs/benchmarks.md). */
const BLOCK_SIZE = { rows: 64, cols: 16 };

/**
 * dst[c*R + r] = src[r*C + c] for 32-bit elements at byte offsets `src`, `dst` of `memory` (not overlapping), with
 * `view` giving a Uint32Array of the heap for the edge rows and columns.
 */
export function transpose32(memory: WebAssembly.Memory, view: () => Uint32Array, src: number, dst: number, rows: number, cols: number): void {
  const r4 = rows - (rows % 4);
  const c4 = cols - (cols % 4);
  const f = simdTransposeFor(memory);
  const { rows: rb, cols: cb } = BLOCK_SIZE;
  for (let i0 = 0; i0 < r4; i0 += rb) {
    const rt = Math.min(rb, r4 - i0) / 4;
    for (let j0 = 0; j0 < c4; j0 += cb) f(src + 4 * (i0 * cols + j0), dst + 4 * (j0 * rows + i0), 4 * cols, 4 * rows, rt, Math.min(cb, c4 - j0) / 4);
  }
  if (r4 === rows && c4 === cols) return;
  const heap = view();
  const s = src / 4, d = dst / 4;
  for (let r = r4; r < rows; r++) for (let c = 0; c < cols; c++) heap[d + c * rows + r] = heap[s + r * cols + c];
  for (let r = 0; r < r4; r++) for (let c = c4; c < cols; c++) heap[d + c * rows + r] = heap[s + r * cols + c];
}
