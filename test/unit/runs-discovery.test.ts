/** Run discovery: good runs, live/interrupted states, and every kind of broken folder listed with a reason. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEAD_PID, makeRecords, manifest, status, tempDir, writeRun } from './runs-fixtures';
import { discoverRuns, RunCatalog, readRunListEntry } from '../../runtime/runs/discovery';
import { isResumable, type RunListEntry, type RunListItem } from '../../runtime/runs/run-list-item';
import { checkpointFile } from '../../runtime/run/checkpoint';

const records = makeRecords({ steps: 128, passesPerStep: 2, evalEvery: 64, evalPasses: 5, evalLoss: (t) => 2 - t / 256, accuracy: (t) => t / 256 });

function byId(entries: RunListEntry[]): Record<string, RunListEntry> {
  return Object.fromEntries(entries.map((e) => [e.id, e]));
}

test('a finished run reads from its small files: state, step/total, best eval, annotations', () => {
  const runs = tempDir('disc');
  writeRun(runs, 'a', {
    manifest: manifest('a', 'helene', 2, { name: 'my run', starred: true, tags: ['x', 'y'], notes: 'hello' }),
    status: status('finished', 128, 128),
    summary: { state: 'finished', steps: 128, forwardPasses: 271, examples: 4096, wallSeconds: 0.1, stepsPerSecond: 1000, finalLoss: 1.5, finalEval: { t: 128, loss: 1.5 }, bestEval: { t: 128, loss: 1.5, accuracy: 0.5 }, skippedSteps: 0 },
    records,
  });
  const [e] = discoverRuns(runs);
  assert.equal(e.kind, 'run');
  const r = e as RunListItem;
  assert.deepEqual(
    { name: r.name, optimizer: r.optimizer, model: r.model, state: r.state, step: r.step, total: r.totalSteps, best: r.bestEval, starred: r.starred, tags: r.tags, notes: r.notes },
    { name: 'my run', optimizer: 'helene', model: 'model.onnx', state: 'finished', step: 128, total: 128, best: { t: 128, loss: 1.5, accuracy: 0.5 }, starred: true, tags: ['x', 'y'], notes: 'hello' },
  );
  assert.equal(r.startedAt, '2025-01-02T03:04:05.000Z');
});

test('running with a dead lock owner reads as interrupted; with a live owner as running, best eval from metrics', () => {
  const runs = tempDir('disc');
  writeRun(runs, 'dead', { manifest: manifest('dead', 'mezo', 2), status: status('running', 64, 128), records, lockPid: DEAD_PID });
  writeRun(runs, 'live', { manifest: manifest('live', 'mezo', 2), status: status('running', 100, 128), records, lockPid: process.pid });
  writeRun(runs, 'nostatus', { manifest: manifest('nostatus', 'mezo', 2), records });
  const e = byId(discoverRuns(runs)) as Record<string, RunListItem>;
  assert.equal(e.dead.state, 'interrupted');
  assert.equal(e.live.state, 'running');
  assert.equal(e.live.step, 100);
  assert.deepEqual(e.live.bestEval, { t: 128, loss: 1.5, accuracy: 0.5 });
  // No status.json and no owner: interrupted, progress from the metrics' last step.
  assert.equal(e.nostatus.state, 'interrupted');
  assert.equal(e.nostatus.step, 128);
});

test('the newest checkpoint step is listed, so a killed run can offer resume', () => {
  const runs = tempDir('disc');
  const dir = writeRun(runs, 'killed', { manifest: manifest('killed', 'helene', 2), status: status('running', 70, 128), records, lockPid: DEAD_PID });
  writeRun(runs, 'none', { manifest: manifest('none', 'helene', 2), status: status('stopped', 10, 128), records });
  fs.mkdirSync(path.join(dir, 'checkpoints'));
  for (const step of [32, 64]) fs.writeFileSync(checkpointFile(dir, step), 'x');
  fs.writeFileSync(path.join(dir, 'checkpoints', 'step-000000099.ckpt.tmp'), 'partial write: not a checkpoint');
  const e = byId(discoverRuns(runs)) as Record<string, RunListItem>;
  assert.equal(e.killed.state, 'interrupted');
  assert.equal(e.killed.checkpointStep, 64);
  assert.equal(isResumable(e.killed), true);
  assert.equal(e.none.checkpointStep, null);
  assert.equal(isResumable(e.none), false);
});

test('broken folders are listed as unreadable with the reason, the good one still lists', () => {
  const runs = tempDir('disc');
  writeRun(runs, 'good', { manifest: manifest('good', 'mezo', 2), status: status('finished', 128, 128), records });
  writeRun(runs, 'no-manifest', { status: status('finished', 1, 1), records });
  writeRun(runs, 'bad-json', { manifest: '{"format": "helene-run", "vers' });
  writeRun(runs, 'newer', { manifest: { ...manifest('newer', 'mezo', 2), version: 99 } });
  writeRun(runs, 'foreign', { manifest: { format: 'something-else', version: 1 } as never });
  writeRun(runs, 'array', { manifest: '[]' });
  fs.mkdirSync(path.join(runs, 'empty'));
  fs.mkdirSync(path.join(runs, '.sweeps'));
  fs.writeFileSync(path.join(runs, 'stray-file.txt'), 'not a folder');
  const e = byId(discoverRuns(runs));
  assert.deepEqual(Object.keys(e).sort(), ['array', 'bad-json', 'empty', 'foreign', 'good', 'newer', 'no-manifest']);
  assert.equal(e.good.kind, 'run');
  const reason = (id: string) => (e[id].kind === 'unreadable' ? (e[id] as { reason: string }).reason : `readable: ${id}`);
  assert.match(reason('no-manifest'), /no run\.json/);
  assert.match(reason('empty'), /no run\.json/);
  assert.match(reason('bad-json'), /run\.json is not valid JSON/);
  assert.match(reason('newer'), /v99 is newer than this version reads \(v1\)/);
  assert.match(reason('foreign'), /not a HELENE run/);
  assert.match(reason('array'), /not a JSON object/);
});

test('a torn last metrics line is ignored; a corrupt eval line mid-file is a warning, not a failure', () => {
  const runs = tempDir('disc');
  writeRun(runs, 'torn', { manifest: manifest('torn', 'mezo', 2), status: status('running', 128, 128), records, metricsTail: '{"kind":"eval","t":129,"loss":0.0', lockPid: process.pid });
  const mid = records.map((r) => JSON.stringify(r) + '\n');
  mid.splice(3, 0, '{"kind":"eval","t":1,"loss":\n');
  writeRun(runs, 'corrupt', { manifest: manifest('corrupt', 'mezo', 2), status: status('running', 128, 128), lockPid: process.pid, metricsTail: mid.join('') });
  const e = byId(discoverRuns(runs)) as Record<string, RunListItem>;
  assert.equal(e.torn.kind, 'run');
  assert.deepEqual(e.torn.bestEval, { t: 128, loss: 1.5, accuracy: 0.5 }, 'the torn eval with loss 0 is not data');
  assert.deepEqual(e.torn.warnings, []);
  assert.equal(e.corrupt.kind, 'run');
  assert.match(e.corrupt.warnings.join(), /1 corrupt eval line/);
});

test('a bad status.json does not hide the run: a warning, the state from the rest', () => {
  const runs = tempDir('disc');
  writeRun(runs, 's', { manifest: manifest('s', 'mezo', 2), status: '{oops', records });
  const e = discoverRuns(runs)[0] as RunListItem;
  assert.equal(e.kind, 'run');
  assert.equal(e.state, 'interrupted');
  assert.match(e.warnings.join(), /status\.json is not valid JSON/);
});

test('a missing runs folder lists nothing', () => {
  assert.deepEqual(discoverRuns(path.join(tempDir('disc'), 'nope')), []);
});

test('RunCatalog reads only appended metrics, follows added and removed folders', () => {
  const runs = tempDir('disc');
  const dir = writeRun(runs, 'live', { manifest: manifest('live', 'mezo', 2), status: status('running', 64, 128), records: records.slice(0, 70), lockPid: process.pid });
  const catalog = new RunCatalog(runs);
  const first = catalog.refresh();
  assert.equal(first.length, 1);
  assert.deepEqual((first[0] as RunListItem).bestEval, { t: 64, loss: 1.75, accuracy: 0.25 });
  // Append the rest in two pieces, the first ending mid-line (a write in progress).
  const rest = records.slice(70).map((r) => JSON.stringify(r) + '\n').join('');
  const cut = rest.length - 20;
  fs.appendFileSync(path.join(dir, 'metrics.jsonl'), rest.slice(0, cut));
  catalog.refreshRun('live');
  fs.appendFileSync(path.join(dir, 'metrics.jsonl'), rest.slice(cut));
  const after = catalog.refreshRun('live') as RunListItem;
  assert.deepEqual(after.bestEval, { t: 128, loss: 1.5, accuracy: 0.5 });
  writeRun(runs, 'second', { manifest: manifest('second', 'mezo', 2) });
  assert.equal(catalog.refresh().length, 2);
  fs.rmSync(dir, { recursive: true });
  assert.equal(catalog.refreshRun('live'), null);
  assert.deepEqual(catalog.list().map((e) => e.id), ['second']);
});

test('readRunListEntry never throws on an unreadable run.json (a folder named run.json)', () => {
  const runs = tempDir('disc');
  fs.mkdirSync(path.join(runs, 'weird', 'run.json'), { recursive: true });
  const e = readRunListEntry(path.join(runs, 'weird'));
  assert.equal(e.kind, 'unreadable');
});
