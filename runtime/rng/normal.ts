/**
 * Standard normal z_j for element j of a layer: a pure function of (LayerKey, j).
 *
 * Ziggurat (Marsaglia & Tsang 2000, 128 layers) fed by Threefry-2x32-13 (threefry.ts says why 13):
 *   proposal: (w0, w1) = threefry13((⌊j/2⌋, 0), key); element j takes P = w0 when j is even, w1 when
 *     odd (one hash serves two elements). P bits 0-6: layer, bit 7: sign, bits 8-31: 24-bit uniform u.
 *     Fast path (~97.2%, the mean of KN / 2^24; layer 1 has KN = 0): accept x = u * WN[layer] when u < KN[layer].
 *   Otherwise the wedge test of this proposal (layers 1..127) uses the uniform W = word 1 of
 *     threefry13((j, 0xffffffff), key); layer 0 goes to the tail, whose rejection loop draws its two
 *     uniforms from counters (j, 1), (j, 2), ...; a rejected wedge retries with the next unused
 *     attempt (j, a), whose word 0 is the new proposal and word 1 its wedge uniform.
 * Counter domains never overlap: (i, 0) proposals, (j, 1..2^32-2) slow path, (j, 2^32-1) first wedge.
 * Layer, sign and u come from disjoint bits, which avoids the layer/value correlation of the original
 * Marsaglia-Tsang code (Doornik 2005). Because nothing depends on neighbouring elements (a pair shares
 * a hash, but element j's value depends on j alone), z_j is the same whatever chunk, thread or call
 * produces it.
 *
 * Stream history: until the benchmarks work, z used Threefry-2x32-20 with one hash per element
 * (counter (j, 0), w1 as the first wedge uniform): 14-15 ns/element on one thread. Two elements per
 * hash and 13 rounds cut the hash cost per element to 13/40 of that.
 *
 * Speed: the Threefry rounds are inlined in the loop below (a call per element costs ~2x in V8), with
 * the key schedule precomputed. Fast-path misses are only recorded in the loop and finished after it,
 * so the loop has no call and no branch-dependent stores. Several choices below exist only to keep
 * V8's optimizer on the fast code; each says which effect it avoids. Fills Float32Array only: the
 * optimizer state is float32.
 */
import { threefry2x32_13, THREEFRY_PARITY32 } from './threefry';
import { FN, KN, WN, ZIGGURAT_R } from './ziggurat-tables';
import { checkFillRange } from './fill-range';
import { loadNormalSimd, type NormalSimdKernel } from './normal-simd';
import { kernelChoiceFromEnv } from '../wasm/simd-module';
import type { LayerKey } from './seeds';

// Module-level aliases of everything imported that the loops touch. Under tsx/esbuild CommonJS an
// imported binding is a getter on the other module's exports object; reading one per element more
// than doubled the time, and reading one in the hot function made V8 deoptimize it for good
// ("insufficient type feedback for generic named access") on some runs.
const threefry = threefry2x32_13;
const PARITY = THREEFRY_PARITY32;
const kn = KN;
const wn = WN;
const fn = FN;
const R = ZIGGURAT_R;
const TWO_POW_M32 = 1 / 4294967296;
const INV_R = 1 / R;
const scratch = new Uint32Array(2);

/** Uniform in (0, 1) from a 32-bit word (never 0, so its log is finite). */
function uniformOpen(word: number): number {
  return ((word >>> 0) + 0.5) * TWO_POW_M32;
}

/** Counter word 1 of the first wedge uniform of element j (see the header). */
const FIRST_WEDGE = 0xffffffff;

/**
 * The ~2.8% of elements that miss the fast path. w0 is the element's proposal word; w1 the uniform
 * of its wedge test.
 */
function normalSlowPath(j: number, key0: number, key1: number, w0: number, w1: number): number {
  let attempt = 0;
  for (;;) {
    const layer = w0 & 127;
    const u = w0 >>> 8;
    const negative = (w0 & 128) !== 0;
    if (u < kn[layer]!) {
      const x = u * wn[layer]!;
      return negative ? -x : x;
    }
    if (layer === 0) {
      // Tail beyond R (Marsaglia 1964 via Marsaglia & Tsang): x = -ln(U1)/R, y = -ln(U2),
      // accept when 2y >= x^2, return R + x.
      for (;;) {
        attempt++;
        threefry(j, attempt, key0, key1, scratch);
        const x = -Math.log(uniformOpen(scratch[0]!)) * INV_R;
        const y = -Math.log(uniformOpen(scratch[1]!));
        if (y + y >= x * x) return negative ? -(R + x) : R + x;
      }
    }
    const x = u * wn[layer]!;
    if (fn[layer]! + uniformOpen(w1) * (fn[layer - 1]! - fn[layer]!) < Math.exp(-0.5 * x * x)) {
      return negative ? -x : x;
    }
    attempt++;
    threefry(j, attempt, key0, key1, scratch);
    w0 = scratch[0]!;
    w1 = scratch[1]!;
  }
}

/**
 * z_j for one element: the definition in scalar form (tests and small jobs). fillNormal produces the
 * same bits.
 */
export function normalAt(key: LayerKey, j: number): number {
  threefry(j >>> 1, 0, key.key0, key.key1, scratch);
  return finishElement(j, key.key0, key.key1, scratch[j & 1]!);
}

/** z_j from its proposal word: the fast path, else the first wedge uniform and the slow path. */
function finishElement(j: number, key0: number, key1: number, proposal: number): number {
  const layer = proposal & 127;
  const u = proposal >>> 8;
  if (u < kn[layer]!) {
    const x = u * wn[layer]!;
    return proposal & 128 ? -x : x;
  }
  threefry(j, FIRST_WEDGE, key0, key1, scratch);
  return normalSlowPath(j, key0, key1, proposal, scratch[1]!);
}

/**
 * Elements per call of the hot loop. fillNormal walks its range in blocks of this size instead of
 * running one long loop, because V8 then optimizes normalBlock as an ordinary hot function (many
 * calls) rather than by on-stack replacement of one long-running loop. With a single long loop we saw
 * runs where, after one deoptimization, the loop stayed in baseline code (2x slower) for the rest of
 * the process. A call per 1024 elements costs nothing measurable.
 */
const BLOCK = 1024;

/** Fast-path misses of the current block: element index and its proposal word. */
const blockMissIndex = new Float64Array(BLOCK);
const blockMissWord0 = new Int32Array(BLOCK);

/** The WebAssembly SIMD kernel of the fast path on this thread, when the engine supports it. */
const simdKernel = loadNormalSimd();
/** The kernel fillNormal uses: simdKernel unless the JS loop is forced (env HELENE_Z_KERNEL=js, setNormalKernel). */
let activeSimd: NormalSimdKernel | undefined = kernelChoiceFromEnv('HELENE_Z_KERNEL') === 'js' ? undefined : simdKernel;

/** Which fast-path kernel fillNormal runs on this thread: 'simd' (WebAssembly) or 'js'. Same bits either way. */
export function normalKernel(): 'simd' | 'js' {
  return activeSimd ? 'simd' : 'js';
}

/**
 * Forces the JS loop ('js') or selects the best available kernel ('auto') on the calling thread
 * only (tests, benchmarks); KernelPool workers follow HELENE_Z_KERNEL. Returns the kernel now in use.
 */
export function setNormalKernel(choice: 'auto' | 'js'): 'simd' | 'js' {
  activeSimd = choice === 'js' ? undefined : simdKernel;
  return normalKernel();
}

/**
 * Writes z_j (rounded to float32) to out[j - offset] for every layer element j in [start, end).
 * Defaults fill the whole of `out` as elements 0..out.length-1. For a chunk buffer that holds
 * elements [j0, j1): fillNormal(key, chunk, j0, j1, j0).
 */
export function fillNormal(
  key: LayerKey,
  out: Float32Array,
  start = 0,
  end: number = out.length,
  offset = 0,
): void {
  checkFillRange(out.length, start, end, offset);
  if (end <= start) return;
  const key0 = key.key0 | 0;
  const key1 = key.key1 | 0;
  // The block loop works on whole pairs (2i, 2i + 1); an odd first or last element goes alone.
  let lo = start;
  const hi = end - (end & 1);
  if (lo & 1) {
    out[lo - offset] = normalAt(key, lo);
    lo++;
  }
  const simd = activeSimd;
  if (simd) simdPairs(simd, key0, key1, out, lo, hi, offset);
  else for (let j = lo; j < hi; j += BLOCK) normalBlock(key0, key1, out, j, Math.min(hi, j + BLOCK), offset);
  if (hi < end && hi >= lo) out[hi - offset] = normalAt(key, hi);
}

/**
 * The hot loop, for one block. Only int32, typed-array and module-constant inputs and no property
 * reads, so its optimized code has nothing to deoptimize on once both branches have been seen.
 */
function normalBlock(key0: number, key1: number, out: Float32Array, start: number, end: number, offset: number): void {
  // start and end are even: the loop runs over pairs i = j / 2.
  // Key schedule with the injection constants folded in: the loop adds each as one int32.
  // The `| 0` matters: it types the keys as int32 for the optimizer. Without it a key above 2^30
  // (not a small integer in V8) made the whole loop run on float64 arithmetic, ~1.5x slower.
  const k0 = key0 | 0;
  const k1 = key1 | 0;
  const k2 = (PARITY ^ k0 ^ k1) | 0;
  // Function-local copies of the tables: module-level bindings are context slots that V8 reloads
  // (with the typed-array base and length) on every iteration.
  const kTable = kn;
  const wTable = wn;
  const missIndex = blockMissIndex;
  const missWord = blockMissWord0;
  let misses = 0;
  const inj1b = (k2 + 1) | 0;
  const inj2b = (k0 + 2) | 0;
  const inj3b = (k1 + 3) | 0;
  const iEnd = end / 2; // not >>> 1: end may be 2^32
  for (let i = start / 2; i < iEnd; i++) {
    // Threefry-2x32-13 of counter (i, 0): identical to threefry2x32_13(i, 0, key0, key1).
    let x0 = (i + k0) | 0;
    let x1 = k1;
    x0 = (x0 + x1) | 0; x1 = ((x1 << 13) | (x1 >>> 19)) ^ x0;
    x0 = (x0 + x1) | 0; x1 = ((x1 << 15) | (x1 >>> 17)) ^ x0;
    x0 = (x0 + x1) | 0; x1 = ((x1 << 26) | (x1 >>> 6)) ^ x0;
    x0 = (x0 + x1) | 0; x1 = ((x1 << 6) | (x1 >>> 26)) ^ x0;
    x0 = (x0 + k1) | 0; x1 = (x1 + inj1b) | 0;
    x0 = (x0 + x1) | 0; x1 = ((x1 << 17) | (x1 >>> 15)) ^ x0;
    x0 = (x0 + x1) | 0; x1 = ((x1 << 29) | (x1 >>> 3)) ^ x0;
    x0 = (x0 + x1) | 0; x1 = ((x1 << 16) | (x1 >>> 16)) ^ x0;
    x0 = (x0 + x1) | 0; x1 = ((x1 << 24) | (x1 >>> 8)) ^ x0;
    x0 = (x0 + k2) | 0; x1 = (x1 + inj2b) | 0;
    x0 = (x0 + x1) | 0; x1 = ((x1 << 13) | (x1 >>> 19)) ^ x0;
    x0 = (x0 + x1) | 0; x1 = ((x1 << 15) | (x1 >>> 17)) ^ x0;
    x0 = (x0 + x1) | 0; x1 = ((x1 << 26) | (x1 >>> 6)) ^ x0;
    x0 = (x0 + x1) | 0; x1 = ((x1 << 6) | (x1 >>> 26)) ^ x0;
    x0 = (x0 + k0) | 0; x1 = (x1 + inj3b) | 0;
    x0 = (x0 + x1) | 0; x1 = ((x1 << 17) | (x1 >>> 15)) ^ x0;

    const j = i + i;
    // Element 2i from word 0, element 2i + 1 from word 1.
    const layer0 = x0 & 127;
    const u0 = x0 >>> 8;
    if (u0 < kTable[layer0]!) {
      // Sign from bit 7 as a factor +1 / -1 (a multiply, not a branch or a negation).
      out[j - offset] = u0 * wTable[layer0]! * (1 - ((x0 >>> 6) & 2));
    } else {
      // Rare (~2.8%): remember it and finish after the loop, so that the loop contains no call.
      // (With the slow path called from here V8 inlined it and the loop ran ~1.5x slower.)
      missIndex[misses] = j;
      missWord[misses] = x0;
      misses++;
    }
    const layer1 = x1 & 127;
    const u1 = x1 >>> 8;
    if (u1 < kTable[layer1]!) {
      out[j + 1 - offset] = u1 * wTable[layer1]! * (1 - ((x1 >>> 6) & 2));
    } else {
      missIndex[misses] = j + 1;
      missWord[misses] = x1;
      misses++;
    }
  }
  finishMisses(misses, key0, key1, out, offset);
}

/** Computes the fast-path misses recorded by normalBlock (a separate function keeps the loop small). */
function finishMisses(misses: number, key0: number, key1: number, out: Float32Array, offset: number): void {
  for (let m = 0; m < misses; m++) {
    const j = blockMissIndex[m]!;
    out[j - offset] = finishElement(j, key0, key1, blockMissWord0[m]!);
  }
}

/**
 * Elements [lo, hi) (both even) by the WebAssembly kernel, in calls of at most its maxPairs pairs:
 * each call fills the kernel's own memory, which is copied into out; its fast-path misses are then
 * finished here by the same slow path as the JS loop's.
 */
function simdPairs(simd: NormalSimdKernel, key0: number, key1: number, out: Float32Array, lo: number, hi: number, offset: number): void {
  const chunk = 2 * simd.maxPairs;
  const missPos = simd.missPos;
  const missWord = simd.missWord;
  for (let j0 = lo; j0 < hi; j0 += chunk) {
    const n = Math.min(chunk, hi - j0);
    const misses = simd.fillPairs(key0, key1, j0 / 2, n / 2);
    out.set(simd.out.subarray(0, n), j0 - offset);
    for (let m = 0; m < misses; m++) {
      const j = j0 + missPos[m]!;
      out[j - offset] = finishElement(j, key0, key1, missWord[m]!);
    }
  }
}

/**
 * Warm-up at module load (about a millisecond). V8 allocates a function's type-feedback vector only
 * after a few calls, and caches the code it compiles for a hot loop (on-stack replacement). If that
 * code is compiled during the first long fill, the statements after the loop have no feedback yet;
 * the cached code then deoptimized there at the end of every block, for the rest of the process.
 * Many short calls first give every statement feedback before anything is optimized.
 */
(function warmUp(): void {
  const scratchOut = new Float32Array(256);
  for (let call = 0; call < 24; call++) normalBlock(call * 0x9e3779b9, -0x789abcdf + call, scratchOut, 0, 256, 0);
})();
