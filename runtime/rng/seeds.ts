/**
 * Seeds and keys: how one run seed becomes a step seed s_t, and how s_t becomes the Threefry key of
 * one (layer, stream). Every derivation is one Threefry-2x32-20 call, so it is cheap, stateless and
 * identical on every thread or device.
 *
 *   run seed --(ctr = (t, TAG_STEP))--> step seed s_t --(ctr = (layer, stream tag))--> LayerKey
 *   z_j (or u_j) = f(threefry(ctr = (j, attempt), key = LayerKey))   (normal.ts, rademacher.ts)
 *
 * 64-bit values are two uint32 halves {hi, lo}: no BigInt anywhere, so these work in hot paths and
 * inside workers. JSON carries them as hex strings (`seedToHex`) because a JS number loses bits above
 * 2^53.
 */
import { threefry2x32 } from './threefry';

/** A 64-bit seed as two uint32 halves. */
export interface Seed64 {
  readonly hi: number;
  readonly lo: number;
}

/** The Threefry key of one random stream of one layer at one step. Both words are uint32. */
export interface LayerKey {
  readonly key0: number;
  readonly key1: number;
}

/** Which random vector of the step a key belongs to: the Gaussian z, or FZOO's Rademacher direction n. */
export type StreamTag = 'z' | 'rademacher';

/**
 * Domain tags put in the second counter word of each derivation, so that derivations of different
 * kinds from the same parent never share a counter (ASCII 'STEP', 'Z', 'R'). Other modules that
 * need their own streams from the run seed (data order, for instance) should call `deriveSeed` with a
 * tag of their own that differs from these.
 */
export const TAG_STEP = 0x53544550;
export const TAG_Z = 0x5a000000;
/** Rademacher direction n uses TAG_RADEMACHER + n, so n must stay below 2^24. */
export const TAG_RADEMACHER = 0x52000000;
export const MAX_RADEMACHER_DIRECTIONS = 0x1000000;

const TWO_POW_32 = 4294967296;

// One scratch block for every derivation here: derivations are synchronous, and each worker thread
// has its own module instance, so sharing is safe.
const scratch = new Uint32Array(2);

function checkUint32(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v >= TWO_POW_32) {
    throw new RangeError(`${name} must be an integer in [0, 2^32), got ${v}`);
  }
}

/**
 * Child seed = Threefry(ctr = (index, tag), key = (parent.lo, parent.hi)).
 * A keyed pseudo-random function of (parent, tag, index): children of different indices or tags are
 * unrelated 64-bit values.
 */
export function deriveSeed(parent: Seed64, tag: number, index: number): Seed64 {
  checkUint32('index', index);
  threefry2x32(index, tag, parent.lo, parent.hi, scratch);
  return { hi: scratch[1]!, lo: scratch[0]! };
}

/** Step seed s_t of step t (t = 1, 2, ... by convention; any t in [0, 2^32) is accepted). */
export function stepSeed(run: Seed64, t: number): Seed64 {
  return deriveSeed(run, TAG_STEP, t);
}

/**
 * Key of one layer's stream at one step. `direction` selects FZOO's n-th Rademacher direction and
 * must be 0 for 'z' (there is one z per step).
 */
export function layerKey(step: Seed64, layer: number, stream: StreamTag = 'z', direction = 0): LayerKey {
  let tag: number;
  if (stream === 'z') {
    if (direction !== 0) throw new RangeError(`the 'z' stream has no directions, got direction ${direction}`);
    tag = TAG_Z;
  } else {
    if (!Number.isInteger(direction) || direction < 0 || direction >= MAX_RADEMACHER_DIRECTIONS) {
      throw new RangeError(`Rademacher direction must be an integer in [0, 2^24), got ${direction}`);
    }
    tag = TAG_RADEMACHER + direction;
  }
  const child = deriveSeed(step, tag, layer);
  return { key0: child.lo, key1: child.hi };
}

/** Key for z of `layer` at the step with seed `step`. */
export function zKey(step: Seed64, layer: number): LayerKey {
  return layerKey(step, layer, 'z');
}

/** Key for Rademacher direction `direction` of `layer` at the step with seed `step`. */
export function rademacherKey(step: Seed64, direction: number, layer: number): LayerKey {
  return layerKey(step, layer, 'rademacher', direction);
}

/** `0x` followed by exactly 16 lowercase hex digits: lossless in JSON, sorts and diffs well. */
export function seedToHex(seed: Seed64): string {
  return '0x' + (seed.hi >>> 0).toString(16).padStart(8, '0') + (seed.lo >>> 0).toString(16).padStart(8, '0');
}

/** Inverse of `seedToHex`; accepts 1 to 16 hex digits with or without `0x`. */
export function seedFromHex(hex: string): Seed64 {
  const digits = hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex;
  if (!/^[0-9a-fA-F]{1,16}$/.test(digits)) throw new SyntaxError(`not a 64-bit hex seed: ${JSON.stringify(hex)}`);
  const padded = digits.padStart(16, '0');
  return { hi: parseInt(padded.slice(0, 8), 16) >>> 0, lo: parseInt(padded.slice(8), 16) >>> 0 };
}

/** Seed from a non-negative safe integer (what a JSON config can hold exactly). */
export function seedFromNumber(n: number): Seed64 {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`a numeric seed must be a non-negative safe integer, got ${n}; use a hex string for 64 bits`);
  }
  return { hi: Math.floor(n / TWO_POW_32) >>> 0, lo: n >>> 0 };
}

/** Seed from a decimal string of up to 2^64 - 1, without BigInt (base-10 digits into two halves). */
function seedFromDecimal(text: string): Seed64 {
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < text.length; i++) {
    const loTimes10 = lo * 10 + (text.charCodeAt(i) - 48); // < 2^36: exact in a double
    const carry = Math.floor(loTimes10 / TWO_POW_32);
    lo = loTimes10 - carry * TWO_POW_32;
    hi = hi * 10 + carry;
    if (hi >= TWO_POW_32) throw new RangeError(`decimal seed exceeds 2^64 - 1: ${text}`);
  }
  return { hi, lo };
}

/**
 * Seed from free text (a run name, say): its UTF-8 bytes, 8 at a time, chained through Threefry
 * (each block is encrypted under the running state and xored back in, Davies-Meyer style). Not a
 * cryptographic hash; a stable, well-mixed one.
 */
export function seedFromText(text: string): Seed64 {
  const bytes = Buffer.from(text, 'utf8');
  // Start from the length so that "a" and "a\0" differ.
  let h0 = bytes.length >>> 0;
  let h1 = 0x54455854; // 'TEXT'
  for (let i = 0; i < bytes.length; i += 8) {
    let w0 = 0;
    let w1 = 0;
    for (let b = 0; b < 4; b++) w0 |= (bytes[i + b] ?? 0) << (8 * b);
    for (let b = 0; b < 4; b++) w1 |= (bytes[i + 4 + b] ?? 0) << (8 * b);
    threefry2x32(w0, w1, h0, h1, scratch);
    h0 = (scratch[0]! ^ w0) >>> 0;
    h1 = (scratch[1]! ^ w1) >>> 0;
  }
  threefry2x32(h0, h1, 0, TAG_STEP, scratch); // final mix, so that short texts are not near-plaintext
  return { hi: scratch[1]!, lo: scratch[0]! };
}

/**
 * The run seed as written in a config: a non-negative safe integer, or a string that is
 * `0x` + 1..16 hex digits, or decimal digits (up to 2^64 - 1), or any other text (hashed).
 */
export function seedFromConfig(value: number | string): Seed64 {
  if (typeof value === 'number') return seedFromNumber(value);
  if (/^0[xX][0-9a-fA-F]{1,16}$/.test(value)) return seedFromHex(value);
  if (/^[0-9]{1,20}$/.test(value)) return seedFromDecimal(value);
  return seedFromText(value);
}
