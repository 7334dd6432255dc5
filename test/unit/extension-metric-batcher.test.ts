// MetricBatcher with an injected clock: flush on the timer, on size, in order, never after dispose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricBatcher } from '../../extension/metric-batcher';
import { FakeClock } from './fake-clock';
import type { MetricRecord } from '../../runtime/protocol';

const step = (t: number): MetricRecord => ({ kind: 'step', t, loss: 1, lr: 1e-3, forwardPasses: 2 * t, examples: t, wallMs: t, timing: { forwardMs: 0, rngMs: 0, optimizerMs: 0, dataMs: 0, totalMs: 0 }, examplesPerSec: 1 });

function setup(maxRecords = 100) {
  const clock = new FakeClock();
  const flushed: number[][] = [];
  const batcher = new MetricBatcher({ flush: (r) => flushed.push(r.map((x) => x.t)), intervalMs: 100, maxRecords, clock });
  return { clock, flushed, batcher };
}

test('records pushed within one interval go out as one batch when the timer fires', () => {
  const { clock, flushed, batcher } = setup();
  batcher.push([step(1)]);
  clock.advance(40);
  batcher.push([step(2), step(3)]);
  clock.advance(59);
  assert.deepEqual(flushed, []);
  clock.advance(1);
  assert.deepEqual(flushed, [[1, 2, 3]]);
  assert.equal(clock.pending, 0, 'no timer left when idle');
});

test('reaching maxRecords flushes at once and cancels the timer', () => {
  const { clock, flushed, batcher } = setup(3);
  batcher.push([step(1), step(2)]);
  batcher.push([step(3)]);
  assert.deepEqual(flushed, [[1, 2, 3]]);
  assert.equal(clock.pending, 0);
  batcher.push([step(4)]);
  clock.advance(100);
  assert.deepEqual(flushed, [[1, 2, 3], [4]]);
});

test('explicit flush sends pending records in order; an empty flush sends nothing', () => {
  const { clock, flushed, batcher } = setup();
  batcher.flush();
  batcher.push([step(7)]);
  batcher.flush();
  clock.advance(500);
  assert.deepEqual(flushed, [[7]]);
});

test('discard drops pending records (a snapshot will carry them) and dispose stops everything', () => {
  const { clock, flushed, batcher } = setup();
  batcher.push([step(1)]);
  batcher.discard();
  clock.advance(200);
  assert.deepEqual(flushed, []);
  batcher.push([step(2)]);
  batcher.dispose();
  batcher.push([step(3)]);
  clock.advance(200);
  assert.deepEqual(flushed, []);
  assert.equal(batcher.pendingCount, 0);
});
