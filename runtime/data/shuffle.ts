/**
 * Seeded data order: the permutation of epoch e is a pure function of (run seed, e), so a resumed run
 * and every optimizer of a comparison see exactly the same batches.
 */

/** SplitMix32-style generator: small, fast, good enough to shuffle (not used for z). */
export function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export function epochPermutation(size: number, seed: number, epoch: number, shuffle: boolean): Uint32Array {
  const order = new Uint32Array(size);
  for (let i = 0; i < size; i++) order[i] = i;
  if (!shuffle) return order;
  const next = generator(Math.imul(seed ^ 0x5bd1e995, 0x27d4eb2f) ^ Math.imul(epoch + 1, 0x165667b1));
  for (let i = size - 1; i > 0; i--) {
    const j = next() % (i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}
