/**
 * Column sums of a float32 [rows, cols] matrix into float64 accumulators, as a WebAssembly SIMD loop over the tfjs
 * wasm heap: two columns per instruction (load 2 floats, widen to f64x2, add). The JavaScript loop it replaces was slow per
 * element (docs/benchmarks.md), and batch-norm statistics and bias gradients sum hundreds of thousands of elements a
 * layer. Float64 accumulation keeps the result independent of the row count's rounding, as before.
 */
import {
  BLOCK, br, brIf, END, F64X2_ADD, F64X2_PROMOTE_LOW_F32X4, get, I32, I32_ADD, I32_GE_U, i32Const, instantiator, LOOP,
  moduleBytes, set, V128_LOAD, V128_LOAD64_ZERO, V128_STORE,
} from '../wasm-simd/assembler';

/** acc[c] += sum over rows of src[r, c], for an even number of columns; byte offsets; accEnd = acc + 8 * cols. */
export type SimdColumnSum = (src: number, rows: number, acc: number, accEnd: number) => void;

// Locals: params SRC, ROWS, ACC, ACC_END; then r, p (source byte), q (accumulator byte).
const [SRC, ROWS, ACC, ACC_END, R, P, Q] = [0, 1, 2, 3, 4, 5, 6];

function code(): number[] {
  return [
    ...get(SRC), ...set(P),
    ...BLOCK, ...LOOP,
    ...get(R), ...get(ROWS), ...I32_GE_U, ...brIf(1),
    ...get(ACC), ...set(Q),
    ...BLOCK, ...LOOP,
    ...get(Q), ...get(ACC_END), ...I32_GE_U, ...brIf(1),
    ...get(Q), // store address
    ...get(Q), ...V128_LOAD(),
    ...get(P), ...V128_LOAD64_ZERO(), ...F64X2_PROMOTE_LOW_F32X4,
    ...F64X2_ADD,
    ...V128_STORE(),
    ...get(Q), ...i32Const(16), ...I32_ADD, ...set(Q),
    ...get(P), ...i32Const(8), ...I32_ADD, ...set(P),
    ...br(0),
    ...END, ...END,
    ...get(R), ...i32Const(1), ...I32_ADD, ...set(R),
    ...br(0),
    ...END, ...END,
  ];
}

export function simdColumnSumModuleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  return moduleBytes({ name: 'colsum', params: [I32, I32, I32, I32], locals: [[3, I32]], code: code() }, shared);
}

export const simdColumnSumFor = instantiator<SimdColumnSum>(simdColumnSumModuleBytes, 'colsum');
