/** The Experiments page's messages from the page are checked before the host acts on them. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateExperimentRanges, validateExperimentsIntent } from '../../runtime/protocol';

test('experiments intents: valid ones pass, bad ones name what is wrong', () => {
  assert.deepEqual(validateExperimentsIntent({ type: 'compare', ids: ['a', 'b'] }), { ok: true, value: { type: 'compare', ids: ['a', 'b'] } });
  assert.deepEqual(validateExperimentsIntent({ type: 'set-target', target: { kind: 'value', metric: 'evalLoss', value: 0.5 } }).ok, true);
  assert.deepEqual(validateExperimentsIntent({ type: 'set-baseline', id: null }), { ok: true, value: { type: 'set-baseline', id: null } });
  const bad: [unknown, RegExp][] = [
    [{ type: 'delete', ids: [] }, /delete\.ids/],
    [{ type: 'compare', ids: [3] }, /compare\.ids/],
    [{ type: 'set-target', target: { kind: 'value', metric: 'evalLoss', value: 'x' } }, /target\.value/],
    [{ type: 'set-target', target: { kind: 'value', metric: 'lr', value: 1 } }, /target\.metric/],
    [{ type: 'save-columns', columns: [''] }, /columns/],
    [{ type: 'nope' }, /unknown experiments intent type "nope"/],
    [null, /not an object/],
  ];
  for (const [msg, reason] of bad) {
    const v = validateExperimentsIntent(msg);
    assert.equal(v.ok, false, JSON.stringify(msg));
    if (!v.ok) assert.match(v.reason, reason);
  }
});

test('experiments filter ranges: [lo, hi] pairs with open ends', () => {
  assert.deepEqual(validateExperimentRanges({ 'optimizer.lr': [1e-4, null] }), { ok: true, value: { 'optimizer.lr': [1e-4, null] } });
  const v = validateExperimentRanges({ 'optimizer.lr': [1] });
  assert.equal(v.ok, false);
  if (!v.ok) assert.match(v.reason, /optimizer\.lr/);
});
