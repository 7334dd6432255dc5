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

test('the next step\'s z started early (prefetchNext, during the update) is the same bits; a prefetch for another step or list is waited for and redone', async () => {
  const seed = seedFromNumber(11);
  const sizes = [40_000, 3, 90_001, 7, 25_000, 60_000];
  const make = (): TrainableLayer[] => sizes.map((size, i) => ({ name: `l${i}`, shape: [size], size, rank: 1, theta: new Float32Array(size), dir: new Float32Array(size) }));
  const inline = new SeededDirections(seed, new KernelPool(0));
  const pool = new KernelPool(2);
  const early = new SeededDirections(seed, pool);
  const same = (a: TrainableLayer[], b: TrainableLayer[], what: string) => a.forEach((l, i) => assert.ok(Buffer.from(b[i]!.dir.buffer).equals(Buffer.from(l.dir.buffer)), `${what}, layer ${i}`));
  try {
    const a = make();
    const b = make();
    await inline.normal(1, a);
    await early.normal(1, b);
    same(a, b, 'step 1');
    for (const t of [2, 3]) {
      early.prefetchNext(t);
      // The update reads dir meanwhile: the prefetch must not touch it before normal(t).
      const before = Buffer.from(b[2]!.dir.buffer).toString('base64');
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(Buffer.from(b[2]!.dir.buffer).toString('base64'), before, `step ${t}: dir unchanged until normal(${t})`);
      await inline.normal(t, a);
      await early.normal(t, b);
      same(a, b, `prefetched step ${t}`);
    }
    // Prefetched step 4, but step 6 is asked for (a skipped step, a resume): the right z all the same.
    early.prefetchNext(4);
    await inline.normal(6, a);
    await early.normal(6, b);
    same(a, b, 'step 6 after a prefetch of step 4');
    // Prefetched for this list, asked for another list of the same sizes.
    early.prefetchNext(7);
    const c = make();
    await early.normal(7, c);
    await inline.normal(7, a);
    same(a, c, 'step 7, another list');
  } finally {
    await pool.close();
  }
});
