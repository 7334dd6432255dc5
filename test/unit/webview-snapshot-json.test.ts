/**
 * A recorded run's snapshot reaches the panel as the runtime's JSON text ('snapshot-json'): the
 * extension host passes it through unparsed (a long run's history is megabytes). The panel must
 * build exactly what the parsed 'snapshot' builds, and say so plainly when the text is unreadable.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HostToWebview } from '../../runtime/protocol';
import { asHostMessage } from '../../webview/panel/host-message';
import { applyMessage, createViewModel } from '../../webview/panel/view-model';
import { buildSyntheticRun } from '../webview/synthetic-run';

test('a snapshot-json message builds the same panel model as the parsed snapshot', () => {
  const run = buildSyntheticRun();
  const snapshot = { manifest: run.manifest, status: run.status, records: run.records, summary: run.summary };
  const parsed = createViewModel();
  applyMessage(parsed, { type: 'snapshot', live: false, snapshot, runDir: '/runs/a' });
  const text = createViewModel();
  const msg = asHostMessage({ type: 'snapshot-json', json: JSON.stringify(snapshot), live: false, runDir: '/runs/a' });
  assert.ok(msg, 'the message shape is accepted');
  applyMessage(text, msg);
  assert.equal(text.hasSnapshot, true);
  assert.equal(text.live, false);
  for (const key of Object.keys(parsed.series) as (keyof typeof parsed.series)[]) assert.deepEqual(text.series[key].points(), parsed.series[key].points(), key);
  assert.deepEqual(text.layers, parsed.layers);
  assert.deepEqual(text.markers, parsed.markers);
  assert.deepEqual(text.status, parsed.status);
});

test('unreadable snapshot text is a notice in the panel, not an exception', () => {
  for (const json of ['{"records": [', '{"manifest": null}']) {
    const vm = createViewModel();
    applyMessage(vm, { type: 'snapshot-json', json, live: false } as HostToWebview);
    assert.equal(vm.hasSnapshot, false);
    assert.equal(vm.notices.length, 1);
    assert.match(vm.notices[0].text, /^Could not read the run's history: /);
  }
  assert.equal(asHostMessage({ type: 'snapshot-json', json: 42 }), null, 'a non-string json is not a host message');
});
