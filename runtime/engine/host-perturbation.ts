/**
 * The perturbation the training graph computes (surgery.ts: `Mul(dir, zo_scale)` then
 * `Add(theta, ·)`, both float32), done on the host for the concurrent-pass worker:
 *   out_j = float32(theta_j + float32(dir_j · s)),  s = float32(scale)
 * Each float32 product is exact in float64 and rounding a float64 sum of two float32 values to
 * float32 gives the correctly rounded float32 sum (53 ≥ 2·24 + 2 bits, so double rounding is
 * harmless), hence the same bits as onnxruntime's float32 Mul and Add. A test compares the losses
 * of both paths bit for bit.
 *
 * Layers of 256 elements and more go through a WebAssembly SIMD kernel (perturb-simd.wat: f32x4
 * multiply and add, the same bits) in chunks copied in and out of its memory; the JS loop is the
 * definition and the fallback (HELENE_PERTURB_KERNEL=js forces it).
 */
import { instantiateSimd, kernelChoiceFromEnv, runChunked, type WasmEngine } from '../wasm/simd-module';
import { PERTURB_SIMD_WASM_BASE64 } from './perturb-simd-bytes';

/** Shorter layers stay on the JS loop: a kernel call and three copies would cost more. */
export const SIMD_PERTURB_MIN_ELEMENTS = 256;

interface PerturbKernel {
  readonly theta: Float32Array;
  readonly z: Float32Array;
  readonly out: Float32Array;
  perturb(n: number, s: number): void;
}

export function loadPerturbSimd(engine: WasmEngine = globalThis): PerturbKernel | undefined {
  const e = instantiateSimd(PERTURB_SIMD_WASM_BASE64, engine) as
    | { memory: WebAssembly.Memory; thetaPtr: WebAssembly.Global; zPtr: WebAssembly.Global; outPtr: WebAssembly.Global; maxElements: WebAssembly.Global; perturb: (n: number, s: number) => void }
    | undefined;
  if (!e) return undefined;
  const max = e.maxElements.value as number;
  // The memory never grows (its maximum is its size), so these views stay attached.
  const view = (ptr: WebAssembly.Global) => new Float32Array(e.memory.buffer, ptr.value as number, max);
  return { theta: view(e.thetaPtr), z: view(e.zPtr), out: view(e.outPtr), perturb: e.perturb };
}

const loaded = loadPerturbSimd();
let active: PerturbKernel | undefined = kernelChoiceFromEnv('HELENE_PERTURB_KERNEL') === 'js' ? undefined : loaded;

/** Forces the JS loop ('js') or the best available kernel ('auto') on this thread; returns the one in use. */
export function setPerturbKernel(choice: 'auto' | 'js'): 'simd' | 'js' {
  active = choice === 'js' ? undefined : loaded;
  return active ? 'simd' : 'js';
}

/** Writes theta + scale · dir (as the graph computes it) into out; out may not alias theta or dir. */
export function perturbInto(out: Float32Array, theta: Float32Array, dir: Float32Array, scale: number): void {
  const kernel = active;
  if (kernel && out.length >= SIMD_PERTURB_MIN_ELEMENTS) perturbSimd(kernel, out, theta, dir, Math.fround(scale));
  else perturbJs(out, theta, dir, scale);
}

/** The definition. A module-level loop with every value local: V8 keeps it in registers (see mezo.ts sgdUpdate). */
export function perturbJs(out: Float32Array, theta: Float32Array, dir: Float32Array, scale: number): void {
  const s = Math.fround(scale);
  for (let j = 0; j < out.length; j++) out[j] = theta[j]! + Math.fround(dir[j]! * s);
}

function perturbSimd(kernel: PerturbKernel, out: Float32Array, theta: Float32Array, dir: Float32Array, s: number): void {
  const arrays = [{ view: kernel.theta, data: theta }, { view: kernel.z, data: dir }, { view: kernel.out, data: out, copyIn: false, back: true }];
  runChunked(out.length, arrays, 0, (n) => {
    kernel.perturb(n, s);
    return 0;
  });
}
