import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KernelPool, seedFromNumber } from '../../runtime/rng';
import { SeededDirections } from '../../runtime/run/seeded-directions';
import type { TrainableLayer } from '../../runtime/optim/optimizer';

function layers(): TrainableLayer[] {
  // Mixed sizes: pooled (>= minParallel) and inline layers interleaved, odd sizes included.
  return [70_001, 10, 65_536, 3, 131_073, 1000].map((size, i) => ({ name: `l${i}`, shape: [size], size, rank: 1, theta: new Float32Array(size), dir: new Float32Array(size) }));
}

test('directions are the same bits with workers (double-buffered staging, per layer) and inline', async () => {
  const seed = seedFromNumber(99);
  const inline = new SeededDirections(seed, new KernelPool(0));
  const pool = new KernelPool(2);
  // groupedMaxElements 0: every layer list takes the per-layer path.
  const pooled = new SeededDirections(seed, pool, 65536, 0);
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

test('z by groups of whole layers on the workers (many small layers) is the same bits as inline, step after step', async () => {
  const seed = seedFromNumber(7);
  // 60 layers under minParallel (the 1 M encoder's shape: what per-layer pooling cannot split), odd sizes, one empty.
  const sizes = Array.from({ length: 60 }, (_, i) => (i === 7 ? 0 : ((i * 7919) % 20_000) + (i % 3)));
  const make = (): TrainableLayer[] => sizes.map((size, i) => ({ name: `l${i}`, shape: [size], size, rank: 1, theta: new Float32Array(size), dir: new Float32Array(size) }));
  const inline = new SeededDirections(seed, new KernelPool(0));
  for (const threads of [2, 3]) {
    const pool = new KernelPool(threads);
    const grouped = new SeededDirections(seed, pool);
    try {
      const a = make();
      const b = make();
      for (const t of [1, 2, 5]) {
        await inline.normal(t, a);
        await grouped.normal(t, b);
        a.forEach((layer, i) => assert.ok(Buffer.from(b[i]!.dir.buffer).equals(Buffer.from(layer.dir.buffer)), `${threads} workers, step ${t}, layer ${i}`));
      }
      assert.ok(b[59]!.dir.some((v) => v !== 0), 'the last group was filled');
    } finally {
      await pool.close();
    }
  }
});
