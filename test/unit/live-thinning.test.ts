/** The live panel's step thinning (extension/panel/live-thinning.ts): bounded, spikes kept, nothing else touched. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MetricRecord } from '../../runtime/protocol';
import { LIVE_STEPS_PER_BATCH, thinStepRecords } from '../../extension/panel/live-thinning';

const step = (t: number, loss: number): MetricRecord => ({ kind: 'step', t, loss, lr: 0.01, forwardPasses: 2 * t, examples: t, wallMs: t, timing: { forwardMs: 0.1, rngMs: 0, optimizerMs: 0, dataMs: 0, totalMs: 0.2 }, examplesPerSec: 1 });

test('a fast run\'s batch keeps at most LIVE_STEPS_PER_BATCH steps: the newest, the spikes and every other record', () => {
  const records: MetricRecord[] = [];
  for (let t = 1; t <= 430; t++) {
    records.push(step(t, t === 100 ? 9 : t === 200 ? 0.01 : t === 300 ? Number.NaN : 1 + 0.001 * Math.sin(t)));
    if (t % 100 === 0) records.push({ kind: 'layers', t, layers: [] });
    if (t === 250) records.push({ kind: 'event', t, wallMs: t, event: 'hyperparameters', message: 'lr 0.01 → 0.005' });
    if (t === 400) records.push({ kind: 'eval', t, forwardPasses: 800, wallMs: t, loss: 1, examples: 10 });
  }
  const out = thinStepRecords(records);
  const steps = out.filter((r) => r.kind === 'step');
  assert.ok(steps.length <= LIVE_STEPS_PER_BATCH && steps.length >= LIVE_STEPS_PER_BATCH / 2, `${steps.length} steps`);
  assert.deepEqual(out.filter((r) => r.kind !== 'step'), records.filter((r) => r.kind !== 'step'), 'events, evals and layers records all pass, in order');
  assert.equal(steps.at(-1)!.t, 430, 'the newest step (the panel\'s counter)');
  for (const t of [100, 200, 300]) assert.ok(steps.some((s) => s.t === t), `the spike at step ${t} is kept`);
  const ts = out.map((r) => r.t);
  assert.deepEqual(ts, [...ts].sort((a, b) => a - b), 'file order');
});

test('a batch with few steps passes unchanged', () => {
  const records = [step(1, 1), step(2, 2), { kind: 'event', t: 2, wallMs: 2, event: 'paused', message: 'paused after step 2' } as MetricRecord];
  assert.deepEqual(thinStepRecords(records), records);
});
