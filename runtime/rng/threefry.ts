/**
 * Threefry-2x32 with 20 rounds (Salmon, Moraes, Dror, Shaw: "Parallel random numbers: as easy as
 * 1, 2, 3", SC 2011; reference code: Random123 `threefry.h`, `threefry2x32_R(20, ...)`).
 *
 * Why this generator: it is counter-based. The output is a pure function of (counter, key), so
 * element j of a random vector can be computed without computing elements 0..j-1. That is what lets
 * us regenerate z on demand, in any chunking, on any thread (and later on a GPU, where Threefry is a
 * standard choice), and get bit-identical results everywhere.
 *
 * Only 32-bit add / rotate / xor are needed. We compute in int32 (`| 0`) because V8 keeps int32
 * values unboxed in registers; the bit patterns equal the uint32 ones, and storing into a
 * Uint32Array reinterprets them as unsigned.
 *
 * The 20 rounds are unrolled: a loop with a rotation table and a `% 3` key schedule is several
 * times slower in V8, and this function sits under every random number we draw.
 */

/** Key-schedule parity constant of Skein/Threefry for 32-bit words (Random123: SKEIN_KS_PARITY32). */
export const THREEFRY_PARITY32 = 0x1bd11bda;

/** Rotation constants R_32x2 of Random123; round r uses ROTATIONS[r % 8] (unrolled below). */
export const THREEFRY_ROTATIONS: readonly number[] = [13, 15, 26, 6, 17, 29, 16, 24];

/** Number of rounds: 20 is Random123's default ("Threefry-2x32-20"), the variant with published KATs. */
export const THREEFRY_ROUNDS = 20;

/**
 * Threefry-2x32-20 block function: (ctr0, ctr1) under key (key0, key1) -> two 32-bit words,
 * written as uint32 to out[outIndex] and out[outIndex + 1]. No allocation, so callers can keep one
 * scratch Uint32Array(2) and call this in a loop. Inputs are taken modulo 2^32.
 */
export function threefry2x32(
  ctr0: number,
  ctr1: number,
  key0: number,
  key1: number,
  out: Uint32Array,
  outIndex = 0,
): void {
  const k0 = key0 | 0;
  const k1 = key1 | 0;
  const k2 = (THREEFRY_PARITY32 ^ k0 ^ k1) | 0;
  let x0 = (ctr0 + k0) | 0;
  let x1 = (ctr1 + k1) | 0;
  // Rounds 1-4, then key injection s = 1: (ks[1], ks[2] + 1).
  x0 = (x0 + x1) | 0; x1 = ((x1 << 13) | (x1 >>> 19)) ^ x0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 15) | (x1 >>> 17)) ^ x0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 26) | (x1 >>> 6)) ^ x0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 6) | (x1 >>> 26)) ^ x0;
  x0 = (x0 + k1) | 0; x1 = (((x1 + k2) | 0) + 1) | 0;
  // Rounds 5-8, injection s = 2: (ks[2], ks[0] + 2).
  x0 = (x0 + x1) | 0; x1 = ((x1 << 17) | (x1 >>> 15)) ^ x0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 29) | (x1 >>> 3)) ^ x0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 16) | (x1 >>> 16)) ^ x0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 24) | (x1 >>> 8)) ^ x0;
  x0 = (x0 + k2) | 0; x1 = (((x1 + k0) | 0) + 2) | 0;
  // Rounds 9-12, injection s = 3: (ks[0], ks[1] + 3).
  x0 = (x0 + x1) | 0; x1 = ((x1 << 13) | (x1 >>> 19)) ^ x0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 15) | (x1 >>> 17)) ^ x0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 26) | (x1 >>> 6)) ^ x0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 6) | (x1 >>> 26)) ^ x0;
  x0 = (x0 + k0) | 0; x1 = (((x1 + k1) | 0) + 3) | 0;
  // Rounds 13-16, injection s = 4: (ks[1], ks[2] + 4).
  x0 = (x0 + x1) | 0; x1 = ((x1 << 17) | (x1 >>> 15)) ^ x0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 29) | (x1 >>> 3)) ^ x0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 16) | (x1 >>> 16)) ^ x0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 24) | (x1 >>> 8)) ^ x0;
  x0 = (x0 + k1) | 0; x1 = (((x1 + k2) | 0) + 4) | 0;
  // Rounds 17-20, injection s = 5: (ks[2], ks[0] + 5).
  x0 = (x0 + x1) | 0; x1 = ((x1 << 13) | (x1 >>> 19)) ^ x0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 15) | (x1 >>> 17)) ^ x0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 26) | (x1 >>> 6)) ^ x0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 6) | (x1 >>> 26)) ^ x0;
  x0 = (x0 + k2) | 0; x1 = (((x1 + k0) | 0) + 5) | 0;
  out[outIndex] = x0;
  out[outIndex + 1] = x1;
}

/** Round count of the z stream's generator (normal.ts): Random123's minimum "Crush-resistant" count for 2x32. */
export const THREEFRY_Z_ROUNDS = 13;

/**
 * Threefry-2x32-13: the same function as threefry2x32 stopped after round 13 (no key injection
 * after it, as in Random123's threefry2x32_R(13, ...)). Random123 lists 13 rounds as the smallest
 * count for which Threefry-2x32 passes TestU01's BigCrush ("Crush-resistant"); 20 is its default,
 * with a safety margin. z uses 13 because the hash dominates the cost of a normal (field notes);
 * seeds and keys (a handful of calls per step) keep 20. Checked against Random123's
 * threefry2x32_13 known-answer vectors.
 */
export function threefry2x32_13(ctr0: number, ctr1: number, key0: number, key1: number, out: Uint32Array, outIndex = 0): void {
  const k0 = key0 | 0;
  const k1 = key1 | 0;
  const k2 = (THREEFRY_PARITY32 ^ k0 ^ k1) | 0;
  let x0 = (ctr0 + k0) | 0;
  let x1 = (ctr1 + k1) | 0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 13) | (x1 >>> 19)) ^ x0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 15) | (x1 >>> 17)) ^ x0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 26) | (x1 >>> 6)) ^ x0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 6) | (x1 >>> 26)) ^ x0;
  x0 = (x0 + k1) | 0; x1 = (((x1 + k2) | 0) + 1) | 0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 17) | (x1 >>> 15)) ^ x0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 29) | (x1 >>> 3)) ^ x0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 16) | (x1 >>> 16)) ^ x0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 24) | (x1 >>> 8)) ^ x0;
  x0 = (x0 + k2) | 0; x1 = (((x1 + k0) | 0) + 2) | 0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 13) | (x1 >>> 19)) ^ x0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 15) | (x1 >>> 17)) ^ x0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 26) | (x1 >>> 6)) ^ x0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 6) | (x1 >>> 26)) ^ x0;
  x0 = (x0 + k0) | 0; x1 = (((x1 + k1) | 0) + 3) | 0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 17) | (x1 >>> 15)) ^ x0;
  out[outIndex] = x0;
  out[outIndex + 1] = x1;
}
