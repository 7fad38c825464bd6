/**
 * The Adam update as a WebAssembly SIMD loop that works in place on the tfjs wasm backend's own memory (imported, so
 * no copies): one pass reading param, m, v, grad and writing the three new tensors, 4 floats per instruction.
 * Each f32x4 operation rounds to float32 as tfjs' element-wise kernels do, in the same order as tf.train.adam:
 *   m' = m*b1 + g*(1-b1);  v' = v*b2 + (g*g)*(1-b2);  p' = ((m'/c1) / (sqrt(v'/c2) + eps)) * (-lr) + p
 * The weight-decay variant first sets g = g + p*wd (PyTorch Adam's coupled weight_decay), which is also, bit for bit,
 * the gradient tfjs' autodiff gives for a loss plus 0.5*wd*||p||^2 (0.5*wd*(2p) rounds as wd*p).
 */
import {
  BLOCK, br, brIf, END, F32, F32X4_ADD, F32X4_DIV, F32X4_MUL, F32X4_SPLAT, F32X4_SQRT, get, I32, I32_ADD, I32_GE_U,
  i32Const, instantiator, LOOP, moduleBytes, set, tee, V128, V128_LOAD, V128_STORE,
} from '../wasm-simd/assembler';

/** Parameters of the exported `adam` function, in order: 8 i32 (byte offsets, then a byte count), then 9 f32 (wd is
 *  read only by the weight-decay variant). */
export type SimdAdam = (p: number, m: number, v: number, g: number, pOut: number, mOut: number, vOut: number, nBytes: number,
  b1: number, b2: number, ob1: number, ob2: number, c1: number, c2: number, eps: number, negLr: number, wd: number) => void;

// Locals: params 0-7 (i32 P, M, V, G, PO, MO, VO, NBYTES), 8-16 (f32 scalars); then i, the 9 splats, gi, mi, vi, pi.
const [P, M, V, G, PO, MO, VO, NBYTES] = [0, 1, 2, 3, 4, 5, 6, 7];
const N_SCALARS = 9;
const I = 17;
const [B1, B2, OB1, OB2, C1, C2, EPS, NLR, WD] = [18, 19, 20, 21, 22, 23, 24, 25, 26];
const [GI, MI, VI, PI] = [27, 28, 29, 30];
const at = (base: number) => [...get(base), ...get(I), ...I32_ADD];

function code(decay: boolean): number[] {
  return [
    ...Array.from({ length: N_SCALARS }, (_, k) => [...get(8 + k), ...F32X4_SPLAT, ...set(B1 + k)]).flat(),
    ...BLOCK,
    ...LOOP,
    ...get(I), ...get(NBYTES), ...I32_GE_U, ...brIf(1), // out of the block
    ...at(G), ...V128_LOAD(),
    ...(decay ? [...at(P), ...V128_LOAD(), ...tee(PI), ...get(WD), ...F32X4_MUL, ...F32X4_ADD] : []),
    ...set(GI),
    // m' -> mOut
    ...at(MO),
    ...at(M), ...V128_LOAD(), ...get(B1), ...F32X4_MUL, ...get(GI), ...get(OB1), ...F32X4_MUL, ...F32X4_ADD,
    ...tee(MI), ...V128_STORE(),
    // v' -> vOut
    ...at(VO),
    ...at(V), ...V128_LOAD(), ...get(B2), ...F32X4_MUL, ...get(GI), ...get(GI), ...F32X4_MUL, ...get(OB2), ...F32X4_MUL, ...F32X4_ADD,
    ...tee(VI), ...V128_STORE(),
    // p' -> pOut
    ...at(PO),
    ...get(MI), ...get(C1), ...F32X4_DIV,
    ...get(VI), ...get(C2), ...F32X4_DIV, ...F32X4_SQRT, ...get(EPS), ...F32X4_ADD,
    ...F32X4_DIV, ...get(NLR), ...F32X4_MUL,
    ...(decay ? get(PI) : [...at(P), ...V128_LOAD()]), ...F32X4_ADD,
    ...V128_STORE(),
    ...get(I), ...i32Const(16), ...I32_ADD, ...set(I),
    ...br(0), // to the loop
    ...END, // loop
    ...END, // block
  ];
}

/** The module's bytes; `shared` must match the memory it will import (the threaded tfjs build shares its memory). */
export function simdAdamModuleBytes(shared: boolean, decay = false): Uint8Array<ArrayBuffer> {
  return moduleBytes({ name: 'adam', params: [...Array(8).fill(I32), ...Array(N_SCALARS).fill(F32)], locals: [[1, I32], [N_SCALARS + 4, V128]], code: code(decay) }, shared);
}

/** The `adam` function bound to `memory` (instantiated once per memory), without and with weight decay. Without it the
 *  loop never reads p*wd, so an infinite parameter cannot turn the update into NaN through p*0. */
export const simdAdamFor = instantiator<SimdAdam>((shared) => simdAdamModuleBytes(shared, false), 'adam');
export const simdAdamDecayFor = instantiator<SimdAdam>((shared) => simdAdamModuleBytes(shared, true), 'adam');
