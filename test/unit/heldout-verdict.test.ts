/**
 * The demo's printed verdict (runtime/demo/heldout-verdict.ts) states held-out numbers only: every
 * held-out task of the protocol's split is in it, with 3 seeds, and no tuning task is.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HELDOUT_SUMMARY, heldoutVerdictLines } from '../../runtime/demo/heldout-verdict';
import { SUITE } from '../../bench/convergence/split';

test('the demo verdict lists every held-out task of the split (3 seeds each) and no tuning task', () => {
  assert.deepEqual(HELDOUT_SUMMARY.map((r) => r.task).sort(), SUITE.filter((t) => t.split === 'heldout').map((t) => t.name).sort());
  for (const r of HELDOUT_SUMMARY) assert.equal(r.presetPerSeed.length, 3, r.task);
  const text = heldoutVerdictLines().join('\n');
  assert.match(text, /no evidence/);
  assert.match(text, /docs\/heldout\.md/);
  assert.match(text, /met on \d+ of 6 held-out tasks/);
});

test('the goal line counts a task only when the mean is >= 3x and the worst seed >= 1.5x', () => {
  const lines = heldoutVerdictLines([
    { task: 'a', presetPerSeed: [3, 3, 3], mezoFinal: 1, presetFinal: 0.9 },
    { task: 'b', presetPerSeed: [6, 2, 1.4], mezoFinal: 1, presetFinal: 0.9 },
    { task: 'c', presetPerSeed: [0, 1, 1], mezoFinal: 1, presetFinal: 1.1 },
  ]);
  assert.match(lines.at(-1)!, /met on 1 of 3 held-out tasks/);
  assert.match(lines[3], /c\s+not reached, 1\.00x, 1\.00x \(final eval loss 1\.1000 vs MeZO 1\.0000\)/);
});
