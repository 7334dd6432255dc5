import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { buildReplay, readRunFolder, writeRunFolder } from '../webview/run-replay';
import { buildSyntheticRun } from '../webview/synthetic-run';

test('a run written in the run-folder format reads back identically', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-webview-run-'));
  try {
    const run = buildSyntheticRun({ steps: 40, layers: 3, evalEvery: 20, statsEvery: 10, changeAt: 20, lr: 1e-3, seed: 3 });
    writeRunFolder(dir, run);
    assert.deepEqual(readRunFolder(dir), run);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the replay splits after a whole step and loses no record', () => {
  const run = buildSyntheticRun();
  const r = buildReplay(run, { snapshotFraction: 0.5, batchRecords: 7, liveState: 'running' });
  assert.equal(r.snapshot.type, 'snapshot');
  if (r.snapshot.type !== 'snapshot') return;
  const snapRecords = r.snapshot.snapshot.records;
  assert.ok(snapRecords.every((x) => x.t <= 150));
  assert.equal(snapRecords[snapRecords.length - 1].t, 150, 'records of step 150 (layers, eval, event) stay in the snapshot');
  const appended = r.live.flatMap((m) => (m.type === 'append' ? m.records : []));
  assert.deepEqual([...snapRecords, ...appended], run.records);
  assert.deepEqual(r.finalStatus, { type: 'status', status: run.status });
});
