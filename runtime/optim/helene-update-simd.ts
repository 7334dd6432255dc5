/**
 * HELENE's element-wise loops on the WebAssembly SIMD kernel (helene-update-simd.wat): the same θ, m
 * and h bits and the same returned sums as the JS loops in helene-kernels.ts and helene-common.ts,
 * which stay the definition and the fallback (no SIMD, HELENE_UPDATE_KERNEL=js, short tensors).
 *
 * As with MeZO's kernel (sgd-update-simd.ts), the kernel works in its own memory: each call copies a
 * chunk of the arrays it reads in and the arrays it wrote back out. The chunk (32,768 elements, four
 * arrays, 512 KiB) stays in the L2 cache between the copy in, the kernel and the copy out. Sums chain
 * through the chunks, so a layer split into calls returns the JS loop's number.
 */
import { HELENE_UPDATE_SIMD_WASM_BASE64 } from './helene-update-simd-bytes';
import { instantiateSimd, kernelChoiceFromEnv, runChunked, type WasmEngine } from '../wasm/simd-module';

/** Tensors shorter than this use the JS loops (a call and its copies would cost more than they save). */
export const HELENE_SIMD_MIN_ELEMENTS = 256;

interface KernelExports {
  readonly memory: WebAssembly.Memory;
  readonly thetaPtr: WebAssembly.Global;
  readonly mPtr: WebAssembly.Global;
  readonly hPtr: WebAssembly.Global;
  readonly zPtr: WebAssembly.Global;
  readonly maxElements: WebAssembly.Global;
  readonly momentumUpdate: (n: number, beta1: number, g: number, lambda: number, lr: number, gamma: number, epsDen: number, rho: number, decay: number, sq: number) => number;
  readonly update: (n: number, lambda: number, lr: number, gamma: number, epsDen: number, rho: number, decay: number, sq: number) => number;
  readonly elementUpdate: (n: number, beta1: number, lambda: number, lr: number, scale: number, epsDen: number, rho: number, decay: number, sq: number) => number;
  readonly momentumCurvature: (n: number, beta1: number, g: number, beta2: number, s: number, hSum: number) => number;
  readonly refreshedSum: (n: number, beta2: number, s: number, sum: number) => number;
  readonly momentum: (n: number, beta1: number, g: number) => void;
  readonly curvatureEma: (n: number, beta2: number, s: number, sum: number) => number;
}

/** The kernel's exports and its four chunk arrays (views of its memory, which never grows). */
export interface HeleneUpdateSimdKernel {
  readonly exports: KernelExports;
  readonly theta: Float32Array;
  readonly m: Float32Array;
  readonly h: Float32Array;
  readonly z: Float32Array;
}

/** Instantiates the kernel, or undefined where this engine cannot run it (no WebAssembly SIMD). */
export function loadHeleneUpdateSimd(engine: WasmEngine = globalThis): HeleneUpdateSimdKernel | undefined {
  const exports = instantiateSimd(HELENE_UPDATE_SIMD_WASM_BASE64, engine) as KernelExports | undefined;
  if (exports === undefined) return undefined;
  const max = exports.maxElements.value as number;
  const view = (ptr: WebAssembly.Global): Float32Array => new Float32Array(exports.memory.buffer, ptr.value as number, max);
  return { exports, theta: view(exports.thetaPtr), m: view(exports.mPtr), h: view(exports.hPtr), z: view(exports.zPtr) };
}

const loaded = loadHeleneUpdateSimd();
let active: HeleneUpdateSimdKernel | undefined = kernelChoiceFromEnv('HELENE_UPDATE_KERNEL') === 'js' ? undefined : loaded;

/** The kernel for a tensor of n elements on this thread, or undefined for the JS loop. */
export function heleneKernelFor(n: number): HeleneUpdateSimdKernel | undefined {
  return n >= HELENE_SIMD_MIN_ELEMENTS ? active : undefined;
}

/** Forces the JS loops ('js') or selects the best available kernel ('auto') on this thread; returns the one in use. */
export function setHeleneUpdateKernel(choice: 'auto' | 'js'): 'simd' | 'js' {
  active = choice === 'js' ? undefined : loaded;
  return active ? 'simd' : 'js';
}

/** helene-kernels.ts momentumUpdate / momentumClippedUpdate (rho = Infinity: no clip). */
export function momentumUpdateSimd(k: HeleneUpdateSimdKernel, theta: Float32Array, m: Float32Array, h: Float32Array, z: Float32Array, beta1: number, g: number, lambda: number, lr: number, gamma: number, epsDen: number, rho: number, decay: number): number {
  const arrays = [{ view: k.theta, data: theta, back: true }, { view: k.m, data: m, back: true }, { view: k.h, data: h }, { view: k.z, data: z }];
  return runChunked(theta.length, arrays, 0, (n, sq) => k.exports.momentumUpdate(n, beta1, g, lambda, lr, gamma, epsDen, rho, decay, sq));
}

/** helene-kernels.ts preconditionedUpdate / clippedUpdate (rho = Infinity: no clip). */
export function updateSimd(k: HeleneUpdateSimdKernel, theta: Float32Array, m: Float32Array, h: Float32Array, lambda: number, lr: number, gamma: number, epsDen: number, rho: number, decay: number): number {
  const arrays = [{ view: k.theta, data: theta, back: true }, { view: k.m, data: m }, { view: k.h, data: h }];
  return runChunked(theta.length, arrays, 0, (n, sq) => k.exports.update(n, lambda, lr, gamma, epsDen, rho, decay, sq));
}

/**
 * helene-common.ts elementUpdate, after m *= beta1 when decayM (helene-layerwise.ts decay) in the
 * same pass; without decayM m is only read (the kernel multiplies by 1, which changes no bit).
 */
export function elementUpdateSimd(k: HeleneUpdateSimdKernel, theta: Float32Array, m: Float32Array, h: Float32Array, decayM: boolean, beta1: number, lambda: number, lr: number, scale: number, epsDen: number, rho: number, decay: number): number {
  const arrays = [{ view: k.theta, data: theta, back: true }, { view: k.m, data: m, back: decayM }, { view: k.h, data: h }];
  return runChunked(theta.length, arrays, 0, (n, sq) => k.exports.elementUpdate(n, decayM ? beta1 : 1, lambda, lr, scale, epsDen, rho, decay, sq));
}

/** helene-kernels.ts momentumAndCurvature: m and h updated; returns the sum of the new h (as the JS sums it). */
export function momentumCurvatureSimd(k: HeleneUpdateSimdKernel, m: Float32Array, h: Float32Array, z: Float32Array, beta1: number, g: number, beta2: number, s: number): number {
  const arrays = [{ view: k.m, data: m, back: true }, { view: k.h, data: h, back: true }, { view: k.z, data: z }];
  return runChunked(m.length, arrays, 0, (n, sum) => k.exports.momentumCurvature(n, beta1, g, beta2, s, sum));
}

/** helene-kernels.ts refreshedSum: sum + Σ (beta2 h + s z z), nothing written. */
export function refreshedSumSimd(k: HeleneUpdateSimdKernel, sum: number, h: Float32Array, z: Float32Array, beta2: number, s: number): number {
  return runChunked(h.length, [{ view: k.h, data: h }, { view: k.z, data: z }], sum, (n, acc) => k.exports.refreshedSum(n, beta2, s, acc));
}

/** helene-common.ts momentum: m = beta1 m + g z. */
export function momentumSimd(k: HeleneUpdateSimdKernel, m: Float32Array, z: Float32Array, beta1: number, g: number): void {
  runChunked(m.length, [{ view: k.m, data: m, back: true }, { view: k.z, data: z }], 0, (n) => {
    k.exports.momentum(n, beta1, g);
    return 0;
  });
}

/** helene-common.ts curvatureEma: h = beta2 h + s z z; returns the sum of the new h (as the JS sums it). */
export function curvatureEmaSimd(k: HeleneUpdateSimdKernel, h: Float32Array, z: Float32Array, beta2: number, s: number): number {
  return runChunked(h.length, [{ view: k.h, data: h, back: true }, { view: k.z, data: z }], 0, (n, sum) => k.exports.curvatureEma(n, beta2, s, sum));
}
