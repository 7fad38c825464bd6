/**
 * Strided block copies inside the tfjs wasm heap with WebAssembly's bulk `memory.copy`, one per row.
 *
 * Upstream's wasm Slice reads its input with `readSync`, which copies the whole tensor out of the heap before
 * copying the slice back in, so a small block costs as much as the whole weight; `memory.copy` moves only the block
 * (docs/benchmarks.md). MADE sampling (nets/made.ts `madeForward`) slices a row of
 * the first kernel and a column pair of the output kernel at each of its D steps.
 */
import { BLOCK, br, brIf, END, get, I32, I32_ADD, I32_GE_U, i32Const, instantiator, LOOP, moduleBytes, set } from '../wasm-simd/assembler';

/** For r < rows: copy `rowBytes` bytes from src + r*srcStride to dst + r*dstStride (byte offsets; blocks must not
 *  overlap between rows, and within a row memory.copy allows overlap). */
export type Copy2d = (src: number, dst: number, srcStride: number, dstStride: number, rows: number, rowBytes: number) => void;

const [SRC, DST, SS, DS, ROWS, BYTES, R] = [0, 1, 2, 3, 4, 5, 6];
const MEMORY_COPY = [0xfc, 0x0a, 0x00, 0x00];

function code(): number[] {
  return [
    ...BLOCK, ...LOOP,
    ...get(R), ...get(ROWS), ...I32_GE_U, ...brIf(1),
    ...get(DST), ...get(SRC), ...get(BYTES), ...MEMORY_COPY,
    ...get(SRC), ...get(SS), ...I32_ADD, ...set(SRC),
    ...get(DST), ...get(DS), ...I32_ADD, ...set(DST),
    ...get(R), ...i32Const(1), ...I32_ADD, ...set(R),
    ...br(0),
    ...END, ...END,
  ];
}

export function copy2dModuleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  return moduleBytes({ name: 'copy2d', params: [I32, I32, I32, I32, I32, I32], locals: [[1, I32]], code: code() }, shared);
}

export const copy2dFor = instantiator<Copy2d>(copy2dModuleBytes, 'copy2d');
