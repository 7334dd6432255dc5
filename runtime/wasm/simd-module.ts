/**
 * Instantiating the runtime's hand-written WebAssembly SIMD kernels (runtime/rng/normal-simd.wat,
 * runtime/optim/sgd-update-simd.wat, runtime/optim/helene-update-simd.wat) from their committed
 * bytes, and the environment switch that forces their JS fallback. Nothing here is compiled from source or fetched at run time: the bytes
 * are a base64 string in a generated module (npm run gen:wasm, scripts/wasm-kernels.ts).
 *
 * Every kernel has a JS twin that gives the same bits; a kernel is only a faster way to compute
 * them, so an engine without 128-bit SIMD (where validate() refuses the module) just runs the JS.
 */

/** Where to find the WebAssembly namespace: globalThis, or a stand-in in tests. */
export interface WasmEngine {
  readonly WebAssembly?: typeof WebAssembly;
}

/** The exports of a kernel module, or undefined when this engine cannot run it. */
export function instantiateSimd(base64: string, engine: WasmEngine = globalThis): WebAssembly.Exports | undefined {
  const wasm = engine.WebAssembly;
  if (wasm === undefined) return undefined;
  const bytes = new Uint8Array(Buffer.from(base64, 'base64'));
  // validate() is false on an engine without 128-bit SIMD (the modules use v128 throughout).
  if (!wasm.validate(bytes)) return undefined;
  try {
    return new wasm.Instance(new wasm.Module(bytes)).exports;
  } catch {
    return undefined;
  }
}

/**
 * The kernel choice an environment variable names: 'js' forces the JS loop (in every thread, since
 * workers inherit the environment); unset, empty or 'auto' uses SIMD where available. Any other
 * value is reported once on stderr (naming the variable) and treated as 'auto'.
 */
export function kernelChoiceFromEnv(variable: string, value: string | undefined = process.env[variable]): 'auto' | 'js' {
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  if (value === 'js') return 'js';
  process.stderr.write(`${variable}: unknown value "${value}" (expected "js" or "auto"); using auto\n`);
  return 'auto';
}

/** An array a kernel call works on: its chunk is copied into `view` (the kernel's memory) before the call and, with `back`, out again after it. */
export interface ChunkedArray {
  readonly view: Float32Array;
  readonly data: Float32Array;
  /** Copied into the kernel's memory before each call (default true; false for an output only). */
  readonly copyIn?: boolean;
  /** Copied back into `data` after each call (the kernel wrote it). */
  readonly back?: boolean;
}

/**
 * Runs a kernel over elements [0, n) in chunks the size of its memory views: copies each array's
 * chunk in, calls `call(length, acc)` and copies the written arrays back. `acc` chains through the
 * calls (a sum or a squared norm, kept in element order), so a split layer gives the JS loop's number.
 */
export function runChunked(n: number, arrays: readonly ChunkedArray[], acc: number, call: (length: number, acc: number) => number): number {
  const chunk = arrays[0]!.view.length;
  for (let a = 0; a < n; a += chunk) {
    const b = Math.min(n, a + chunk);
    for (const x of arrays) if (x.copyIn !== false) x.view.set(x.data.subarray(a, b));
    acc = call(b - a, acc);
    for (const x of arrays) if (x.back) x.data.set(x.view.subarray(0, b - a), a);
  }
  return acc;
}
