import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildHyperparameterPatch, fieldText, formFieldsFor } from '../../webview/panel/hyperparameter-patch';

const current = { lr: 0.001, eps: 0.001, k: 10, T: null, beta1: 0.9 };
const texts = (over: Record<string, string>) => ({ lr: '0.001', eps: '0.001', k: '10', T: '', beta1: '0.9', ...over });

test('only changed fields are sent', () => {
  assert.deepEqual(buildHyperparameterPatch(texts({ lr: '0.002' }), current), { ok: true, patch: { lr: 0.002 } });
  assert.deepEqual(buildHyperparameterPatch(texts({ lr: ' 2e-3 ', k: '20' }), current), { ok: true, patch: { lr: 0.002, k: 20 } });
  // Same number written differently is not a change.
  assert.deepEqual(buildHyperparameterPatch(texts({ lr: '1e-3' }), current), { ok: false, reason: 'Nothing changed.', field: null });
});

test("the protocol validator's reason is returned with the field", () => {
  assert.deepEqual(buildHyperparameterPatch(texts({ lr: '-1' }), current), { ok: false, reason: 'lr must be > 0', field: 'lr' });
  assert.deepEqual(buildHyperparameterPatch(texts({ beta1: '1.5' }), current), { ok: false, reason: 'beta1 must be <= 1', field: 'beta1' });
  assert.deepEqual(buildHyperparameterPatch(texts({ k: '2.5' }), current), { ok: false, reason: 'k must be an integer', field: 'k' });
});

test('text that is not a number, and empty fields', () => {
  assert.deepEqual(buildHyperparameterPatch(texts({ eps: 'abc' }), current), { ok: false, reason: 'eps: "abc" is not a number', field: 'eps' });
  assert.deepEqual(buildHyperparameterPatch(texts({ lr: '' }), current), { ok: false, reason: 'lr: enter a number', field: 'lr' });
  // T may be emptied back to automatic, and set from automatic.
  assert.deepEqual(buildHyperparameterPatch(texts({ T: '50' }), current), { ok: true, patch: { T: 50 } });
  assert.deepEqual(buildHyperparameterPatch({ T: '' }, { T: 50 }), { ok: true, patch: { T: null } });
  assert.equal(fieldText(null), '');
  assert.equal(fieldText(1e-8), '1e-8');
});

test('the form shows the fields that apply to the run\'s optimizer (the config schema\'s appliesTo)', () => {
  assert.deepEqual(formFieldsFor('mezo'), ['lr', 'eps']);
  assert.deepEqual(formFieldsFor('helene'), ['lr', 'eps', 'kappa', 'lambda', 'k', 'T', 'gamma', 'beta1', 'beta2']);
  // ZO-Adam has momentum and a second-moment decay, not HELENE's clipping or refresh.
  assert.deepEqual(formFieldsFor('zo-adam'), ['lr', 'eps', 'beta1', 'beta2']);
  // Before the manifest arrives (or an optimizer this panel does not know): everything.
  assert.equal(formFieldsFor(null).length, 9);
});
