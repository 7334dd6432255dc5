/** The sweep views' model (runtime/runs/sweep-views-model.ts) and intent validation, on the known synthetic sweep. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { metricValue, SWEEP_METRIC_CHOICES, validateSweepViewsIntent } from '../../runtime/protocol';
import { buildSweepViewsModel, paramAxis, readSweepViews } from '../../runtime/runs/sweep-views-model';
import { SweepViewsController } from '../../runtime/runs/sweep-views-controller';
import { syntheticSweepRecord, syntheticSweepRuns, syntheticSweepSnapshots } from '../fixtures/synthetic-sweep';
import { tempDir } from './runs-fixtures';

test('axes: numeric parameters spanning a decade are log, others linear; strings are categorical', () => {
  assert.deepEqual(paramAxis({ key: 'optimizer.lr', values: [1e-4, 1e-3, 1e-2] }), { key: 'optimizer.lr', kind: 'numeric', values: [1e-4, 1e-3, 1e-2], log: true });
  assert.equal(paramAxis({ key: 'lr', values: [1e-3, 3e-3, 9e-3] }).log, false, 'less than a decade');
  assert.equal(paramAxis({ key: 'x', values: [-1, 10] }).log, false, 'not all positive');
  assert.equal(paramAxis({ key: 'seed', values: [1, 2, 3, 4] }).log, false);
  assert.deepEqual(paramAxis({ key: 'optimizer.name', values: ['mezo', 'helene'] }), { key: 'optimizer.name', kind: 'categorical', values: ['mezo', 'helene'], log: false });
});

test('model of the synthetic sweep: one ExperimentRow per run with the grid values and metrics; importance lr > eps > seed', () => {
  const record = syntheticSweepRecord();
  const model = buildSweepViewsModel(record, syntheticSweepSnapshots(record));
  assert.equal(model.rows.length, 60);
  assert.equal(model.pending, 0);
  assert.equal(model.defaultMetric, 'evalLoss.best');
  assert.deepEqual(model.params.map((p) => [p.key, p.log]), [['optimizer.lr', true], ['optimizer.eps', true], ['seed', false]]);
  const truth = syntheticSweepRuns();
  const best = SWEEP_METRIC_CHOICES.find((c) => c.key === 'evalLoss.best')!;
  model.rows.forEach((row, i) => {
    assert.equal(row.params['optimizer.lr'], truth[i].lr);
    assert.equal(row.params.seed, truth[i].seed);
    assert.equal(metricValue(row, best), truth[i].y);
    assert.equal(row.metrics.evalLoss?.final, truth[i].y);
    assert.equal(row.metrics.evalLoss?.max, 20);
  });
  assert.deepEqual(model.importance['evalLoss.best'].parameters.map((p) => p.key), ['optimizer.lr', 'optimizer.eps', 'seed']);
  // Accuracy is a decreasing function of the loss here: the same order.
  assert.deepEqual(model.importance['evalAccuracy.best'].parameters.map((p) => p.key), ['optimizer.lr', 'optimizer.eps', 'seed']);
});

test('queued runs have no row; an unreadable folder is a row with its warning', () => {
  const record = syntheticSweepRecord();
  const snaps = new Map<string, ReturnType<typeof syntheticSweepSnapshots> extends Map<string, infer V> ? V | null | Error : never>(syntheticSweepSnapshots(record));
  snaps.set(record.entries[0].runId, null);
  snaps.set(record.entries[1].runId, new Error('metrics.jsonl: line 3 is not JSON'));
  const model = buildSweepViewsModel(record, snaps);
  assert.equal(model.pending, 1);
  assert.equal(model.rows.length, 59);
  assert.match(model.rows[0].warning ?? '', /line 3 is not JSON/);
  assert.equal(model.importance['evalLoss.best'].n, 58);
});

/** The first `n` runs of the synthetic sweep written as run folders under a temp runs folder. */
function writeSweepFolders(n: number) {
  const runsDir = tempDir('sweepviews');
  const record = syntheticSweepRecord(runsDir);
  record.entries = record.entries.slice(0, n);
  const snaps = syntheticSweepSnapshots(record);
  for (const e of record.entries) {
    const dir = path.join(runsDir, e.runId);
    const s = snaps.get(e.runId)!;
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify(s.manifest));
    fs.writeFileSync(path.join(dir, 'status.json'), JSON.stringify(s.status));
    fs.writeFileSync(path.join(dir, 'metrics.jsonl'), s.records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  }
  return { runsDir, record };
}

test('readSweepViews reads the run folders', () => {
  const { runsDir, record } = writeSweepFolders(4);
  const model = readSweepViews(record);
  assert.deepEqual(model.rows.map((r) => r.id), record.entries.map((e) => e.runId));
  assert.deepEqual(model.rows.map((r) => r.metrics.evalLoss?.best), syntheticSweepRuns().slice(0, 4).map((r) => r.y));
  assert.equal(model.rows[0].dir, path.join(runsDir, record.entries[0].runId));
});

test('intents from the page are validated: filter ranges are [lo, hi] pairs of numbers or null', () => {
  assert.deepEqual(validateSweepViewsIntent({ type: 'filter', ranges: { 'optimizer.lr': [1e-4, 1e-3], 'metric:evalLoss.best': [null, 2] } }), { ok: true, value: { type: 'filter', ranges: { 'optimizer.lr': [1e-4, 1e-3], 'metric:evalLoss.best': [null, 2] } } });
  assert.deepEqual(validateSweepViewsIntent({ type: 'filter', ranges: {} }), { ok: true, value: { type: 'filter', ranges: {} } });
  const bad = validateSweepViewsIntent({ type: 'filter', ranges: { 'optimizer.lr': ['a', 1] } });
  assert.equal(bad.ok, false);
  assert.match((bad as { reason: string }).reason, /optimizer\.lr/);
  assert.equal(validateSweepViewsIntent({ type: 'open-run', id: '' }).ok, false);
  assert.equal(validateSweepViewsIntent({ type: 'nope' }).ok, false);
});

test('the controller: ready pushes the model; a filter is validated and handed on; open-run opens the folder; bad intents are rejected', async () => {
  const { record } = writeSweepFolders(3);
  const posted: unknown[] = [];
  const filters: unknown[] = [];
  const opened: string[] = [];
  const c = new SweepViewsController(record, { post: (m) => void posted.push(m), openRun: (d) => void opened.push(d), filterExperiments: (r) => void filters.push(r) });
  await c.handle({ type: 'ready' });
  assert.equal((posted[0] as { type: string }).type, 'sweep-data');
  assert.equal((posted[0] as { model: { rows: unknown[] } }).model.rows.length, 3);
  await c.handle({ type: 'filter', ranges: { 'optimizer.lr': [1e-4, 3e-4] } });
  assert.deepEqual(filters, [{ 'optimizer.lr': [1e-4, 3e-4] }]);
  await c.handle({ type: 'open-run', id: record.entries[1].runId });
  assert.deepEqual(opened, [path.join(record.runsDir, record.entries[1].runId)]);
  await c.handle({ type: 'filter', ranges: { lr: 'all' } });
  await c.handle({ type: 'open-run', id: 'not-in-this-sweep' });
  assert.equal(filters.length, 1);
  assert.equal(c.rejected.length, 2);
  assert.match(c.rejected[0], /ranges\["lr"\]/);
});
