/**
 * Loads the WebAssembly SIMD kernel of z's fast path (normal-simd.wat; README.md "SIMD kernel").
 *
 * One instance per thread (the main thread and each KernelPool worker load this module), compiled
 * from the committed bytes in normal-simd-bytes.ts at module load: a few kilobytes, nothing fetched
 * or compiled from source at run time. The ziggurat tables go into its memory once, here, from
 * ziggurat-tables.ts, so the kernel and the JS path share one definition of them.
 *
 * Where WebAssembly or its 128-bit SIMD is missing (the engine rejects the module), the loader
 * returns undefined and normal.ts keeps its JS loop: results never depend on which one runs.
 */
import { NORMAL_SIMD_WASM_BASE64 } from './normal-simd-bytes';
import { KN, WN, ZIGGURAT_LAYERS } from './ziggurat-tables';
import { instantiateSimd, type WasmEngine } from '../wasm/simd-module';

/** The kernel as normal.ts uses it: fill, then read OUT and the miss lists through these views. */
export interface NormalSimdKernel {
  /**
   * Pairs i in [pair0, pair0 + pairs) of the layer with key (key0, key1): element 2 pair0 + p goes
   * to out[p]. Returns the number of fast-path misses; miss m sits at out[missPos[m]] (not valid)
   * with proposal word missWord[m], for the JS slow path to finish.
   */
  fillPairs(key0: number, key1: number, pair0: number, pairs: number): number;
  /** Largest `pairs` of one call. */
  readonly maxPairs: number;
  readonly out: Float32Array;
  readonly missPos: Int32Array;
  readonly missWord: Int32Array;
}

interface KernelExports {
  readonly memory: WebAssembly.Memory;
  readonly fillPairs: (key0: number, key1: number, pair0: number, pairs: number) => number;
  readonly thresholdPtr: WebAssembly.Global;
  readonly wnSignedPtr: WebAssembly.Global;
  readonly outPtr: WebAssembly.Global;
  readonly missPosPtr: WebAssembly.Global;
  readonly missWordPtr: WebAssembly.Global;
  readonly maxPairs: WebAssembly.Global;
}

/** The kernel's bytes (decoded from the committed base64). */
export function normalSimdBytes(): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(NORMAL_SIMD_WASM_BASE64, 'base64'));
}

/**
 * Instantiates the kernel, or returns undefined when this engine cannot run it (`engine`: tests pass
 * one without SIMD, or without WebAssembly, to exercise the fallback).
 */
export function loadNormalSimd(engine: WasmEngine = globalThis): NormalSimdKernel | undefined {
  const exports = instantiateSimd(NORMAL_SIMD_WASM_BASE64, engine) as KernelExports | undefined;
  if (exports === undefined) return undefined;
  const buffer = exports.memory.buffer;
  const threshold = new Int32Array(buffer, exports.thresholdPtr.value as number, 2 * ZIGGURAT_LAYERS);
  const wnSigned = new Float64Array(buffer, exports.wnSignedPtr.value as number, 2 * ZIGGURAT_LAYERS);
  for (let b = 0; b < 2 * ZIGGURAT_LAYERS; b++) {
    const layer = b & (ZIGGURAT_LAYERS - 1);
    // For an integer u: u < KN  <=>  u < ceil(KN). KN <= 2^24, so the threshold fits an int32.
    threshold[b] = Math.ceil(KN[layer]!);
    wnSigned[b] = b & ZIGGURAT_LAYERS ? -WN[layer]! : WN[layer]!;
  }
  const maxPairs = exports.maxPairs.value as number;
  return {
    fillPairs: exports.fillPairs,
    maxPairs,
    // The memory never grows (its maximum is its size), so these views stay attached.
    out: new Float32Array(buffer, exports.outPtr.value as number, 2 * maxPairs),
    missPos: new Int32Array(buffer, exports.missPosPtr.value as number, 2 * maxPairs),
    missWord: new Int32Array(buffer, exports.missWordPtr.value as number, 2 * maxPairs),
  };
}

