/** The Sweeps view's plain-data glue and the extension's sweep manager (vscode-free parts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SweepRecord } from '../../runtime/protocol';
import { expandSweep, parseSweepGrid } from '../../runtime/runs/sweep-spec';
import type { LaunchResult } from '../../runtime/runs/sweep-queue';
import type { SweepRow } from '../../runtime/runs/sweep-table';
import { launchResultOf, SweepManager } from '../../extension/sweeps/sweep-manager';
import { sweepItemFields, sweepRunItemFields } from '../../extension/sweeps/sweeps-view-model';
import type { RuntimeExit } from '../../extension/runtime-process';

function record(states: SweepRecord['entries'][number]['state'][], state: SweepRecord['state'] = 'running'): SweepRecord {
  return {
    format: 'helene-sweep', version: 1, id: 'sw', createdAt: '', updatedAt: '', state, pid: process.pid, config: '/c.json', overrides: [], grid: 'seed=1,2', axes: [],
    parallel: 2, sort: 'bestEvalLoss', runsDir: '/runs',
    entries: states.map((s, i) => ({ index: i, runId: `sw-0${i + 1}`, label: `seed=${i + 1}`, values: { seed: i + 1 }, state: s })),
  };
}

test('a sweep item shows its progress; only a sweep this window runs offers Stop', () => {
  const live = sweepItemFields(record(['finished', 'finished', 'finished', 'finished', 'running', 'queued']), '/runs/.sweeps/sw.json', true);
  assert.equal(live.description, '4/6 done, 1 running, 1 queued');
  assert.equal(live.contextValue, 'heleneSweep.live');
  assert.equal(live.iconId, 'loading~spin');
  assert.equal(sweepItemFields(record(['running']), 'f', false).contextValue, 'heleneSweep.elsewhere');
  const ended = sweepItemFields(record(['finished', 'failed'], 'finished'), 'f', false);
  assert.equal(ended.contextValue, 'heleneSweep.ended');
  assert.equal(ended.description, '2/2 done, 1 failed');
  assert.equal(ended.iconId, 'warning');
  assert.match(ended.tooltip, /2 runs, 2 at a time, sorted by best eval loss/);
});

test('a sweep run item: rank and grid label, state, the sort metric value, progress', () => {
  const row: SweepRow = {
    index: 2, runId: 'sw-03', label: 'lr=0.01 name=mezo', values: {}, state: 'running', steps: 40, totalSteps: 150, trainingPasses: 80, evalPasses: 10,
    finalEvalLoss: 1.5, bestEvalLoss: 1.23456, accuracy: 0.375, finalTrainLoss: 1.4, runDir: '/runs/sw-03',
  };
  const f = sweepRunItemFields(row, 1, 'bestEvalLoss');
  assert.equal(f.label, '1. lr=0.01 name=mezo');
  assert.equal(f.description, 'running · best eval loss 1.2346 · step 40/150');
  assert.equal(f.contextValue, 'heleneSweepRun.folder');
  assert.equal(sweepRunItemFields(row, 1, 'accuracy').description, 'running · best accuracy 37.5% · step 40/150');
  const queued = sweepRunItemFields({ ...row, state: 'queued', steps: 0, totalSteps: null, bestEvalLoss: null }, 6, 'bestEvalLoss');
  assert.equal(queued.description, 'queued · best eval loss —');
  assert.equal(queued.contextValue, 'heleneSweepRun.none');
});

test('runtime exits map to queue results: finished/stopped are clean, failed/crashed carry the message', () => {
  const exit = (outcome: RuntimeExit['outcome']): RuntimeExit => ({ outcome, code: 0, signal: null, summary: null, fatal: null, lastStderr: [], message: `the run ${outcome}` });
  assert.deepEqual(launchResultOf(exit('finished')), { ok: true, state: 'finished' });
  assert.deepEqual(launchResultOf(exit('stopped')), { ok: true, state: 'stopped' });
  assert.deepEqual(launchResultOf(exit('crashed')), { ok: false, error: 'the run crashed' });
});

test('the manager keeps a sweep live until its queue ends, emits changes, and stopAll stops it', async () => {
  const manager = new SweepManager();
  const ends: ((r: LaunchResult) => void)[] = [];
  let changes = 0;
  manager.events.on('changed', () => changes++);
  const q = manager.start({
    sweep: { id: 'm', config: '/c.json', overrides: [], grid: 'seed=1,2,3', axes: [], sort: 'bestEvalLoss', runsDir: '/nowhere' },
    plans: expandSweep({ model: { path: 'm.onnx' }, data: { train: 't' } }, parseSweepGrid('seed=1,2,3'), { sweepId: 'm' }),
    parallel: 1,
    file: null,
    launch: () => ({ done: new Promise<LaunchResult>((r) => ends.push(r)), stop: () => ends[ends.length - 1]({ ok: true, state: 'stopped' }) }),
  });
  assert.equal(manager.queueOf('m'), q);
  assert.ok(changes >= 2);
  manager.stopAll();
  await q.done;
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(q.record.entries.map((e) => e.state), ['stopped', 'cancelled', 'cancelled']);
  assert.equal(manager.queueOf('m'), undefined, 'an ended sweep is no longer live');
  assert.equal(manager.live().length, 0);
});
