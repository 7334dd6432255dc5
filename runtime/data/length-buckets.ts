/**
 * data.bucketByLength: batches of similar-length examples, so per-batch padding (batch-padding.ts)
 * feeds few pad tokens even when some examples are long (a batch of 32 random examples is almost
 * always as wide as the longest example of the dataset). Off by default: it changes the data order.
 *
 * The order of epoch e, a pure function of (seed, e) like the plain one (resume is exact):
 *   1. the usual seeded permutation of the epoch;
 *   2. its first `head` examples stay in place: they complete the batch the previous epoch began
 *      (batches straddle epochs so every step has B examples);
 *   3. the rest is cut into pools of POOL_BATCHES batches; each pool is sorted by length (stable, so
 *      equal lengths keep their shuffled order) and cut into batches of B, and the batches of a pool
 *      are put in a seeded random order (so a pool does not always go short to long);
 *   4. the last, partial batch of the epoch goes last and is completed by the next epoch's head.
 */
import { generator } from './shuffle';

/** Batches per pool: larger pools give tighter batches, smaller ones keep the order more random. */
export const POOL_BATCHES = 32;

/** Examples of epoch `epoch` that complete the batch the previous epochs left open. */
export function epochHead(size: number, batchSize: number, epoch: number): number {
  const filled = Number((BigInt(epoch) * BigInt(size)) % BigInt(batchSize));
  return filled === 0 ? 0 : Math.min(size, batchSize - filled);
}

export function bucketByLength(order: Uint32Array, lengths: Uint32Array, batchSize: number, seed: number, epoch: number): Uint32Array {
  const head = epochHead(order.length, batchSize, epoch);
  const out = new Uint32Array(order.length);
  out.set(order.subarray(0, head));
  const next = generator(Math.imul(seed ^ 0x2c1b3c6d, 0x297a2d39) ^ Math.imul(epoch + 1, 0x68e31da4));
  const pool = POOL_BATCHES * batchSize;
  for (let start = head; start < order.length; start += pool) {
    const end = Math.min(order.length, start + pool);
    const sorted = Array.from(order.subarray(start, end)).sort((a, b) => lengths[a] - lengths[b]);
    const full = Math.floor(sorted.length / batchSize);
    // Shuffle the full batches of the pool; a partial one (the epoch's end) stays last.
    const batches = Array.from({ length: full }, (_, i) => i);
    for (let i = full - 1; i > 0; i--) {
      const j = next() % (i + 1);
      [batches[i], batches[j]] = [batches[j], batches[i]];
    }
    let at = start;
    for (const b of batches) for (let k = 0; k < batchSize; k++) out[at++] = sorted[b * batchSize + k];
    for (let k = full * batchSize; k < sorted.length; k++) out[at++] = sorted[k];
  }
  return out;
}
