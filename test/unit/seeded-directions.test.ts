import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KernelPool, seedFromNumber } from '../../runtime/rng';
import { SeededDirections } from '../../runtime/run/seeded-directions';
import type { TrainableLayer } from '../../runtime/optim/optimizer';

function layers(): TrainableLayer[] {
  // Mixed sizes: pooled (>= minParallel) and inline layers interleaved, odd sizes included.
  return [70_001, 10, 65_536, 3, 131_073, 1000].map((size, i) => ({ name: `l${i}`, shape: [size], size, rank: 1, theta: new Float32Array(size), dir: new Float32Array(size) }));
}

test('directions are the same bits with workers (double-buffered staging) and inline', async () => {
  const seed = seedFromNumber(99);
  const inline = new SeededDirections(seed, new KernelPool(0));
  const pool = new KernelPool(2);
  const pooled = new SeededDirections(seed, pool);
  try {
    for (const kind of ['normal', 'rademacher'] as const) {
      const a = layers();
      const b = layers();
      if (kind === 'normal') {
        await inline.normal(3, a);
        await pooled.normal(3, b);
      } else {
        await inline.rademacher(3, 1, a);
        await pooled.rademacher(3, 1, b);
      }
      a.forEach((layer, i) => assert.deepEqual(b[i]!.dir, layer.dir, `${kind} layer ${i}`));
      assert.ok(a[4]!.dir.some((v) => v !== 0));
    }
  } finally {
    await pool.close();
  }
});
