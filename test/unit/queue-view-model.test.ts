/** The queue's plain-data glue: Sweeps view items for the queue and its workers, remote-run rows, the stream mirror, job states. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MetricRecord, QueueWorkerInfo, RunStreamMessage, SweepRecord } from '../../runtime/protocol';
import type { SweepRow } from '../../runtime/runs/sweep-table';
import { queueCountsText, queueItemFields, sweepItemFields, sweepRunOpens, workerItemFields } from '../../extension/sweeps/sweeps-view-model';
import { applyStreamMessage, emptyMirror } from '../../extension/sweeps/remote-run-mirror';
import { SweepManager } from '../../extension/sweeps/sweep-manager';
import { entryStateOf } from '../../runtime/queue/queue-sweep';

const NOW = Date.parse('2026-12-05T12:00:00Z');
function worker(id: string, running: string[], beatAgoS = 1): QueueWorkerInfo {
  return { id, host: 'gpu-1', pid: 42, concurrency: 2, runsDir: '/shared/runs', running, startedAt: '2026-12-05T11:00:00Z', beatAt: new Date(NOW - beatAgoS * 1000).toISOString() };
}

test('the queue item counts workers (busy ones) and jobs; an unreachable queue says why', () => {
  const counts = { queued: 3, running: 2, done: 10, failed: 1 };
  assert.equal(queueCountsText([worker('a', ['s-01']), worker('b', [])], counts), '2 workers (1 busy) · 3 queued · 2 running · 10 done · 1 failed');
  assert.equal(queueCountsText([], { queued: 4, running: 0, done: 0, failed: 0 }), '0 workers · 4 queued · 0 running · 0 done');
  const up = queueItemFields('redis://10.0.0.5:6379', { workers: [worker('a', ['s-01'])], counts });
  assert.equal(up.iconId, 'sync~spin');
  assert.equal(up.contextValue, 'heleneQueue.up');
  assert.match(up.tooltip, /helene-studio worker --queue redis:\/\/10\.0\.0\.5:6379 --runs-dir/);
  const down = queueItemFields('redis://10.0.0.5:6379', { error: 'cannot reach Redis at redis://10.0.0.5:6379 (for the Sweeps view): connection refused' });
  assert.equal(down.iconId, 'warning');
  assert.match(down.description, /^not reachable: cannot reach Redis/);
});

test('a worker item: busy with its runs, idle, or silent once its heartbeat is older than the expiry', () => {
  const busy = workerItemFields(worker('gpu-1-7', ['s-03', 's-04']), NOW, 10);
  assert.equal(busy.description, 'busy: s-03, s-04 · 2/2');
  assert.equal(busy.iconId, 'loading~spin');
  assert.equal(busy.contextValue, 'heleneQueueWorker.alive');
  assert.equal(workerItemFields(worker('w', []), NOW, 10).description, 'idle · 0/2');
  const silent = workerItemFields(worker('w', ['s-01'], 11), NOW, 10);
  assert.match(silent.description, /^no heartbeat/);
  assert.equal(silent.contextValue, 'heleneQueueWorker.silent');
});

function record(queue?: string): SweepRecord {
  return { format: 'helene-sweep', version: 1, id: 'q', createdAt: '', updatedAt: '', state: 'running', pid: 1, config: '/c.json', overrides: [], grid: 'seed=1,2', axes: [], parallel: 0, sort: 'bestEvalLoss', runsDir: '/runs', queue, entries: [] };
}
const row = (state: string) => ({ state, runId: 'q-01', runDir: '/runs/q-01' }) as SweepRow;

test('a queue sweep row opens from its folder when it is here, else live from the stream; queued rows open nothing', () => {
  assert.equal(sweepRunOpens(record('redis://h:1'), row('running'), false), 'stream');
  assert.equal(sweepRunOpens(record('redis://h:1'), row('finished'), true), 'folder');
  assert.equal(sweepRunOpens(record('redis://h:1'), row('queued'), false), 'none');
  assert.equal(sweepRunOpens(record(undefined), row('running'), false), 'none', 'a local sweep without a folder has nothing to follow');
  assert.match(sweepItemFields(record('redis://h:1'), 'f', false).tooltip, /runs on the workers of the queue redis:\/\/h:1/);
});

const step = (t: number): MetricRecord => ({ kind: 'step', t, loss: 1 / t }) as unknown as MetricRecord;

test('the stream mirror: records and status fold in; a resume on another worker drops the steps after its checkpoint', () => {
  const state = emptyMirror();
  const feed = (m: RunStreamMessage) => applyStreamMessage(state, m);
  // Read through a function: an assert.equal(..., null) would narrow the field to null for TypeScript.
  const ended = () => state.ended;
  feed({ type: 'worker', worker: 'a', event: 'started' });
  assert.deepEqual(feed({ type: 'metrics', records: [step(1), step(2), step(3)] }).map((r) => (r as { t: number }).t), [1, 2, 3]);
  feed({ type: 'status', status: { state: 'running', step: 3, totalSteps: 6 } as never });
  assert.equal(state.snapshot.status?.step, 3);
  // Worker a died after step 3; b resumes from the checkpoint at step 2 and sends step 3 again.
  feed({ type: 'worker', worker: 'b', event: 'resumed', step: 2 });
  assert.deepEqual(state.snapshot.records.map((r) => (r as { t: number }).t), [1, 2]);
  feed({ type: 'metrics', records: [step(3), step(4)] });
  assert.deepEqual(state.snapshot.records.map((r) => (r as { t: number }).t), [1, 2, 3, 4], 'no duplicate step');
  assert.equal(ended(), null);
  // A killed child is retried (not the end); a bad-input failure is.
  feed({ type: 'worker', worker: 'b', event: 'ended', state: 'failed', error: 'the train process was killed by SIGKILL' });
  assert.equal(ended(), null);
  feed({ type: 'done', summary: { state: 'finished', steps: 6 } as never });
  assert.equal(ended()?.outcome, 'finished');
  const bad = emptyMirror();
  applyStreamMessage(bad, { type: 'worker', worker: 'a', event: 'ended', state: 'failed', error: 'model file not found: /m.onnx' });
  assert.equal(bad.ended?.outcome, 'failed');
  assert.equal(bad.ended?.message, 'model file not found: /m.onnx');
});

test('BullMQ job states map to sweep entry states; a completed job carries its own end state', () => {
  assert.equal(entryStateOf('waiting', undefined), 'queued');
  assert.equal(entryStateOf('delayed', undefined), 'queued');
  assert.equal(entryStateOf('active', undefined), 'running');
  assert.equal(entryStateOf('failed', undefined), 'failed');
  assert.equal(entryStateOf('completed', { state: 'stopped' } as never), 'stopped');
  assert.equal(entryStateOf('completed', { state: 'cancelled' } as never), 'cancelled');
});

test('the manager tracks a queue sweep this window submitted until its CLI process ends; stopAll interrupts it', async () => {
  const m = new SweepManager();
  const signals: string[] = [];
  let end!: () => void;
  const ended = new Promise<void>((r) => (end = r));
  m.startRemote('/runs/.sweeps/q.json', { kill: (s) => (signals.push(s), true) }, ended);
  assert.ok(m.remoteOf('/runs/.sweeps/q.json'));
  m.stopAll();
  assert.deepEqual(signals, ['SIGINT']);
  end();
  await ended;
  await new Promise((r) => setImmediate(r));
  assert.equal(m.remoteOf('/runs/.sweeps/q.json'), undefined);
});
