/**
 * `model.masterWeights: "stored"`: the trained values of float16 / bfloat16 weights stay values of
 * the stored type. The optimizer computes each step's update in float32 as usual; right after the
 * update every element is rounded once to the stored type (to nearest even, or stochastically with
 * `model.storedRounding: "stochastic"`), so the weights the next step perturbs, the checkpoint and the
 * export all hold exactly what a half-precision copy would hold. Export then writes them with no
 * second rounding (the round trip float32 → stored is exact for these values).
 *
 * Stochastic rounding picks the upper neighbour with probability (x − lo) / (hi − lo), so the
 * expected rounded value is x: an update smaller than the spacing of the stored type survives on
 * average instead of vanishing. The random number is a pure function of (run seed, step, layer,
 * element), so a run, its resume and its data-parallel workers round identically.
 *
 * Memory: the buffers stay float32 (4 bytes per element); see docs/half-precision.md for why and
 * for the measured effect on convergence.
 */
import { DataType } from '../onnx/onnx-types';
import { floatToHalf, halfToFloat } from '../onnx/half-precision';
import type { TrainableLayer } from '../optim/optimizer';
import type { Seed64 } from '../rng/seeds';

export type StoredRounding = 'nearest' | 'stochastic';

/** lowbias32 (Chris Wellons' integer hash): a well-mixed 32-bit value from a 32-bit key. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** The key of (seed, step, layer): element j's random bits are mix32(key ^ j). */
export function roundingKey(seed: number, step: number, layer: number): number {
  return mix32(mix32(mix32(seed >>> 0) ^ (step >>> 0)) ^ Math.imul(layer + 1, 0x9e3779b1));
}

let halfTable: Float32Array | null = null;
/** All 65,536 float16 values as float32 (decoding by lookup: the rounding runs on every element every step). */
function halfValues(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = halfToFloat(h);
  }
  return halfTable;
}

/** Every element of `values` rounded to the nearest float16 (ties to even), in place. */
export function roundHalfNearest(values: Float32Array): void {
  const table = halfValues();
  for (let j = 0; j < values.length; j++) values[j] = table[floatToHalf(values[j])];
}

/** Every element rounded to the nearest bfloat16 (ties to even; NaN stays NaN), in place. */
export function roundBfloat16Nearest(values: Float32Array): void {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let j = 0; j < bits.length; j++) {
    const x = bits[j];
    if ((x & 0x7f800000) === 0x7f800000) continue; // Inf and NaN are bfloat16 values already (NaN keeps its top bits set)
    bits[j] = ((x + 0x7fff + ((x >>> 16) & 1)) & 0xffff0000) >>> 0;
  }
}

/** Stochastic rounding to bfloat16: add 16 random bits below the kept ones, then truncate. */
export function roundBfloat16Stochastic(values: Float32Array, key: number): void {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let j = 0; j < bits.length; j++) {
    const x = bits[j];
    if ((x & 0x7f800000) === 0x7f800000) continue;
    // On the magnitude bits (the sign bit is untouched: a finite value's carry stops at Inf).
    bits[j] = ((x + (mix32(key ^ j) & 0xffff)) & 0xffff0000) >>> 0;
  }
}

const TWO_24 = 2 ** 24;
/** Stochastic rounding to float16 (subnormals included); a value past float16's range becomes ±Inf, as nearest would. */
export function roundHalfStochastic(values: Float32Array, key: number): void {
  const table = halfValues();
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let j = 0; j < bits.length; j++) {
    const x = bits[j];
    const exponent = (x >>> 23) & 0xff;
    if (exponent === 0xff) continue;
    const r = mix32(key ^ j);
    if (exponent >= 113) {
      // Normal float16 range (2^-14 and up): float16 keeps 10 of float32's 23 mantissa bits.
      bits[j] = ((x + (r & 0x1fff)) & 0xffffe000) >>> 0;
      values[j] = table[floatToHalf(values[j])]; // exact, except past 65504 (→ ±Inf)
    } else {
      // Subnormal float16: a fixed spacing of 2^-24.
      const v = values[j];
      const q = Math.abs(v) * TWO_24;
      const low = Math.floor(q);
      const up = q - low > r / 4294967296 ? 1 : 0;
      values[j] = Math.sign(v) * (low + up) / TWO_24;
    }
  }
}

export class StoredMasters {
  /** `layers` are the half-precision ones only, with their index among all trainables (the rounding key). */
  constructor(
    private readonly layers: { index: number; layer: TrainableLayer; bfloat: boolean }[],
    private readonly rounding: StoredRounding,
    private readonly seed: number,
  ) {}

  get elements(): number {
    return this.layers.reduce((a, l) => a + l.layer.size, 0);
  }

  /** Round every half-precision layer's theta to its stored type after step t's update. */
  round(t: number): void {
    for (const { index, layer, bfloat } of this.layers) {
      if (this.rounding === 'nearest') (bfloat ? roundBfloat16Nearest : roundHalfNearest)(layer.theta);
      else (bfloat ? roundBfloat16Stochastic : roundHalfStochastic)(layer.theta, roundingKey(this.seed, t, index));
    }
  }
}

/**
 * The rounding a run needs, or null (float32 masters, or no half-precision trainable). `storedTypes`
 * holds each layer's stored DataType, in the layers' order.
 */
export function storedMastersFor(masterWeights: 'float32' | 'stored' | undefined, rounding: StoredRounding | undefined, layers: TrainableLayer[], storedTypes: number[], seed: Seed64): StoredMasters | null {
  if (masterWeights !== 'stored') return null;
  const half = layers
    .map((layer, index) => ({ index, layer, type: storedTypes[index] }))
    .filter((l) => l.type === DataType.FLOAT16 || l.type === DataType.BFLOAT16)
    .map(({ index, layer, type }) => ({ index, layer, bfloat: type === DataType.BFLOAT16 }));
  return half.length ? new StoredMasters(half, rounding ?? 'stochastic', (seed.lo ^ mix32(seed.hi)) >>> 0) : null;
}
