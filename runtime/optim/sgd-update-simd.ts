/**
 * MeZO's update on the WebAssembly SIMD kernel (sgd-update-simd.wat): the same θ bits and the same
 * returned |update|² (with its folded finiteness probe) as the JS loop in mezo.ts, ~1.6x faster on
 * one thread (docs/benchmarks.md, "z generation and the update").
 *
 * The kernel works in its own memory: each call copies a chunk of θ and z in, updates it there and
 * copies θ back. Short tensors (biases, norms) stay on the JS loop, where a call and three copies
 * would cost more than they save; the bits are the same either way.
 */
import { SGD_UPDATE_SIMD_WASM_BASE64 } from './sgd-update-simd-bytes';
import { instantiateSimd, kernelChoiceFromEnv, runChunked, type WasmEngine } from '../wasm/simd-module';

/** Tensors shorter than this use the JS loop. */
export const SIMD_UPDATE_MIN_ELEMENTS = 256;

export interface SgdUpdateSimdKernel {
  /** θ chunk of the kernel's memory (the kernel updates it in place). */
  readonly theta: Float32Array;
  readonly z: Float32Array;
  /** Updates theta[0 .. n) with z[0 .. n); returns sq + Σ delta² (NaN once any θ is not finite). */
  update(n: number, lr: number, c: number, decay: number, sq: number): number;
}

interface KernelExports {
  readonly memory: WebAssembly.Memory;
  readonly thetaPtr: WebAssembly.Global;
  readonly zPtr: WebAssembly.Global;
  readonly maxElements: WebAssembly.Global;
  readonly update: (n: number, lr: number, c: number, decay: number, sq: number) => number;
}

/** Instantiates the kernel, or undefined where this engine cannot run it (no WebAssembly SIMD). */
export function loadSgdUpdateSimd(engine: WasmEngine = globalThis): SgdUpdateSimdKernel | undefined {
  const exports = instantiateSimd(SGD_UPDATE_SIMD_WASM_BASE64, engine) as KernelExports | undefined;
  if (exports === undefined) return undefined;
  const max = exports.maxElements.value as number;
  return {
    // The memory never grows (its maximum is its size), so these views stay attached.
    theta: new Float32Array(exports.memory.buffer, exports.thetaPtr.value as number, max),
    z: new Float32Array(exports.memory.buffer, exports.zPtr.value as number, max),
    update: exports.update,
  };
}

const loaded = loadSgdUpdateSimd();
let active: SgdUpdateSimdKernel | undefined = kernelChoiceFromEnv('HELENE_UPDATE_KERNEL') === 'js' ? undefined : loaded;

/** The kernel sgdUpdate uses on this thread, or undefined for the JS loop. */
export function sgdUpdateKernel(): SgdUpdateSimdKernel | undefined {
  return active;
}

/** Forces the JS loop ('js') or selects the best available kernel ('auto') on this thread; returns the one in use. */
export function setSgdUpdateKernel(choice: 'auto' | 'js'): 'simd' | 'js' {
  active = choice === 'js' ? undefined : loaded;
  return active ? 'simd' : 'js';
}

/** sgdUpdate (mezo.ts) through the kernel, chunk by chunk; the squared norm chains through the chunks. */
export function sgdUpdateSimd(kernel: SgdUpdateSimdKernel, theta: Float32Array, z: Float32Array, lr: number, c: number, decay: number): number {
  const arrays = [{ view: kernel.theta, data: theta, back: true }, { view: kernel.z, data: z }];
  return runChunked(theta.length, arrays, 0, (n, sq) => kernel.update(n, lr, c, decay, sq));
}
