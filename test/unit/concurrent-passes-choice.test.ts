/**
 * When concurrent passes run (runtime/engine/concurrent-passes-choice.ts) and how the auto probe
 * decides (concurrent-passes-probe.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AUTO_MAX_GRAPH_BYTES, AUTO_MAX_TRAINABLE, AUTO_MIN_STEPS, chooseConcurrentPasses, type ConcurrentPassesFacts } from '../../runtime/engine/concurrent-passes-choice';
import { PairProbe } from '../../runtime/engine/concurrent-passes-probe';

const facts = (o: Partial<ConcurrentPassesFacts>): ConcurrentPassesFacts => ({ setting: 'auto', provider: 'cpu', threads: 2, resident: false, trainableElements: 1e6, graphBytes: 4e6, cores: 2, ...o });

test('auto and on split the threads between the two passes on the CPU; off, a GPU, resident state or one thread never split', () => {
  assert.deepEqual(chooseConcurrentPasses(facts({})).threads, [1, 1]);
  assert.deepEqual(chooseConcurrentPasses(facts({ threads: 0, cores: 16 })).threads, [8, 8], 'threads 0 = one per core');
  assert.deepEqual(chooseConcurrentPasses(facts({ threads: 3 })).threads, [2, 1]);
  for (const [o, why] of [
    [{ setting: 'off' }, /"off"/],
    [{ provider: 'cuda' }, /cuda/],
    [{ provider: 'webgpu', setting: 'on' }, /webgpu/],
    [{ resident: true, setting: 'on' }, /resident/],
    [{ threads: 1, setting: 'on' }, /1 thread/],
    [{ threads: 0, cores: 1 }, /1 thread/],
  ] as const) {
    const c = chooseConcurrentPasses(facts(o as Partial<ConcurrentPassesFacts>));
    assert.equal(c.used, false, JSON.stringify(o));
    assert.match(c.reason, why);
  }
});

test('auto stays off for large models (measured slower, and the worker would copy the frozen weights); on does not', () => {
  const big = chooseConcurrentPasses(facts({ trainableElements: AUTO_MAX_TRAINABLE + 1 }));
  assert.equal(big.used, false);
  assert.match(big.reason, new RegExp(`${AUTO_MAX_TRAINABLE + 1} trainable elements`));
  const heavy = chooseConcurrentPasses(facts({ trainableElements: 1000, graphBytes: AUTO_MAX_GRAPH_BYTES + 1 }));
  assert.equal(heavy.used, false);
  assert.match(heavy.reason, /second copy of its frozen weights/);
  assert.equal(chooseConcurrentPasses(facts({ setting: 'on', trainableElements: 1e9, graphBytes: 1e10 })).used, true);
  assert.equal(chooseConcurrentPasses(facts({ trainableElements: AUTO_MAX_TRAINABLE })).used, true);
});

test('auto stays off for a run too short to win back the worker start; on does not', () => {
  const short = chooseConcurrentPasses(facts({ steps: AUTO_MIN_STEPS - 1 }));
  assert.equal(short.used, false);
  assert.match(short.reason, new RegExp(`${AUTO_MIN_STEPS - 1} steps is too short`));
  assert.equal(chooseConcurrentPasses(facts({ steps: AUTO_MIN_STEPS })).used, true);
  assert.equal(chooseConcurrentPasses(facts({ steps: 10, setting: 'on' })).used, true);
});

test('the probe alternates from the first pair, ignores the warm-up pairs and keeps the faster by median', () => {
  const probe = new PairProbe(2, 3);
  const modes: string[] = [];
  // Warm-up (2 of each): absurd times that must not count.
  for (let i = 0; i < 4; i++) {
    const m = probe.next();
    modes.push(m);
    probe.record(m, 1000);
  }
  assert.deepEqual(modes, ['concurrent', 'sequential', 'concurrent', 'sequential']);
  const times = { concurrent: [5, 50, 6], sequential: [7, 8, 1] };
  for (let i = 0; i < 6; i++) {
    assert.equal(probe.decided, false);
    const m = probe.next();
    probe.record(m, times[m].shift()!);
  }
  assert.equal(probe.decided, true);
  // Medians: concurrent 6 (5, 6, 50), sequential 7 (1, 7, 8): one outlier each way does not decide.
  assert.deepEqual(probe.verdict(), { concurrentMs: 6, sequentialMs: 7, concurrentWins: true, pairs: 3 });
});
