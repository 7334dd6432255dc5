/** The tree view model, config diff, CSV and the change coalescer. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRunsTree, runNode } from '../../runtime/runs/tree-model';
import type { RunListItem, RunListEntry } from '../../runtime/runs/run-list-item';
import { diffConfigs, flattenConfig } from '../../runtime/runs/config-diff';
import { csvField, toCsv } from '../../runtime/runs/csv';
import { ChangeCoalescer, runIdOfChange } from '../../runtime/runs/runs-watcher';

function item(id: string, extra: Partial<RunListItem> = {}): RunListItem {
  return {
    kind: 'run', id, dir: `/runs/${id}`, name: id, optimizer: 'helene', model: 'model.onnx', state: 'finished', step: 100, totalSteps: 200,
    bestEval: { t: 100, loss: 0.98765, accuracy: 0.5821 }, startedAt: '2025-01-02T03:04:05.000Z', updatedAt: null, provider: 'cpu', error: null,
    starred: false, tags: [], notes: '', warnings: [], ...extra,
  };
}

test('a run node: label, description, icon and context value', () => {
  const n = runNode(item('r1', { starred: true, state: 'running' }));
  assert.equal(n.label, '★ r1');
  assert.match(n.description, /^helene · model\.onnx · running · 100\/200 · best 0\.9877 \(58\.2%\) · \d{4}-\d\d-\d\d \d\d:\d\d$/);
  assert.deepEqual(n.icon, { id: 'sync~spin', color: 'charts.blue' });
  assert.equal(n.contextValue, 'heleneRun.live.starred');
  assert.equal(runNode(item('r2', { state: 'interrupted' })).contextValue, 'heleneRun.ended');
  // A run that ended early with a checkpoint offers resume; a finished or checkpoint-less one does not.
  const killed = runNode(item('r4', { state: 'interrupted', checkpointStep: 50, starred: true }));
  assert.equal(killed.contextValue, 'heleneRun.ended.resumable.starred');
  assert.match(killed.tooltip, /resumable from the checkpoint at step 50/);
  assert.equal(runNode(item('r5', { state: 'stopped', checkpointStep: 80 })).contextValue, 'heleneRun.ended.resumable');
  assert.equal(runNode(item('r6', { state: 'finished', checkpointStep: 200 })).contextValue, 'heleneRun.ended');
  assert.equal(runNode(item('r7', { state: 'failed', checkpointStep: null })).contextValue, 'heleneRun.ended');
  assert.equal(runNode(item('r8', { state: 'running', checkpointStep: 50 })).contextValue, 'heleneRun.live');
  assert.equal(runNode(item('r3', { state: 'failed', error: 'boom' })).icon.id, 'error');
  assert.match(runNode(item('r3', { state: 'failed', error: 'boom' })).tooltip, /boom/);
});

test('tree order: starred first, newest first, unreadable last; tag filter', () => {
  const entries: RunListEntry[] = [
    { kind: 'unreadable', id: 'zz-broken', dir: '/runs/zz-broken', reason: 'no run.json' },
    item('old', { startedAt: '2024-01-01T00:00:00Z', tags: ['t'] }),
    item('new', { startedAt: '2025-06-01T00:00:00Z' }),
    item('star', { startedAt: '2023-01-01T00:00:00Z', starred: true }),
  ];
  const nodes = buildRunsTree(entries);
  assert.deepEqual(nodes.map((n) => n.id), ['star', 'new', 'old', 'zz-broken']);
  assert.equal(nodes[3].contextValue, 'heleneRun.unreadable');
  assert.equal(nodes[3].description, 'unreadable: no run.json');
  assert.deepEqual(buildRunsTree(entries, { sort: 'best-eval', starredFirst: false, tag: 't' }).map((n) => n.id), ['old']);
});

test('config diff shows only differing keys, arrays as one value, absent keys as null', () => {
  const a = { name: 'a', optimizer: { name: 'mezo', lr: 0.002, eps: 1e-3 }, model: { trainable: ['^fc'] }, output: { runId: 'a' } };
  const b = { name: 'b', optimizer: { name: 'helene', lr: 0.002, eps: 1e-3, k: 5 }, model: { trainable: ['^fc', '^head'] }, output: { runId: 'b' } };
  assert.deepEqual(flattenConfig(a), { name: 'a', 'optimizer.name': 'mezo', 'optimizer.lr': '0.002', 'optimizer.eps': '0.001', 'model.trainable': '["^fc"]', 'output.runId': 'a' });
  assert.deepEqual(diffConfigs([a, b]), [
    { key: 'model.trainable', values: ['["^fc"]', '["^fc","^head"]'] },
    { key: 'optimizer.k', values: [null, '5'] },
    { key: 'optimizer.name', values: ['mezo', 'helene'] },
  ]);
  assert.deepEqual(diffConfigs([a, a, a]), []);
  assert.equal(diffConfigs([a, b], []).some((r) => r.key === 'name'), true);
});

test('CSV quoting', () => {
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField(null), '');
  assert.equal(csvField(Infinity), '');
  assert.equal(toCsv([['x', 1.5], ['line\nbreak', true]]), 'x,1.5\r\n"line\nbreak",true\r\n');
});

test('change coalescer batches ids; runIdOfChange maps paths to runs', async () => {
  const batches: string[][] = [];
  const c = new ChangeCoalescer((ids) => batches.push(ids), 20);
  c.add('b');
  c.add('a');
  c.add('b');
  await new Promise((r) => setTimeout(r, 60));
  c.add('c');
  c.fire();
  assert.deepEqual(batches, [['a', 'b'], ['c']]);
  c.dispose();
  assert.equal(runIdOfChange('/w/runs', '/w/runs/r1/status.json'), 'r1');
  assert.equal(runIdOfChange('/w/runs', '/w/runs/r1'), 'r1');
  assert.equal(runIdOfChange('/w/runs', '/w/runs/.sweeps/x.json'), null);
  assert.equal(runIdOfChange('/w/runs', '/w/other/r1'), null);
  assert.equal(runIdOfChange('/w/runs', '/w/runs'), null);
});
