/**
 * Small seeded PRNG for deterministic weight initialisation of built-in models.
 * mulberry32: 32-bit state, good enough for initial weights and tiny to audit. It is not the
 * optimizer's counter-based generator (runtime/rng), which has different requirements.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` floats uniform in [-limit, limit). */
export function uniformFloats(next: () => number, count: number, limit: number): Float32Array {
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = (next() * 2 - 1) * limit;
  return values;
}

/**
 * Seeded normal samples for synthetic data (the demo task, the least-squares benchmark tasks):
 * Box–Muller (cosine branch only) over mulberry32; the 1e-12 keeps log() finite at u = 0.
 */
export function seededGaussian(seed: number): () => number {
  const uniform = mulberry32(seed);
  return () => Math.sqrt(-2 * Math.log(uniform() + 1e-12)) * Math.cos(2 * Math.PI * uniform());
}
