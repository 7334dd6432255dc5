/** The sweep queue: N at a time in grid order, failures isolated, stop semantics, the persisted record, interrupted reading. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SweepRecord } from '../../runtime/protocol';
import { expandSweep, parseSweepGrid, type PlannedRun } from '../../runtime/runs/sweep-spec';
import { listSweeps, readSweepFile, sweepFile, sweepProgressText, SweepQueue, type LaunchResult } from '../../runtime/runs/sweep-queue';
import { DEAD_PID, tempDir } from './runs-fixtures';

const BASE = { model: { path: 'm.onnx' }, data: { train: 't.jsonl' } };

function plans(n: number, sweepId = 'sw'): PlannedRun[] {
  return expandSweep(BASE, parseSweepGrid(`seed=${[...Array(n).keys()].map((i) => i + 1).join(',')}`), { sweepId });
}

/** A launcher whose runs end when the test says so. */
class FakeRuns {
  readonly log: string[] = [];
  readonly pending = new Map<string, { resolve: (r: LaunchResult) => void; stopAsked: boolean }>();
  launch = (plan: PlannedRun) => {
    this.log.push(`start ${plan.runId}`);
    let resolve!: (r: LaunchResult) => void;
    const done = new Promise<LaunchResult>((r) => (resolve = r));
    const slot = { resolve, stopAsked: false };
    this.pending.set(plan.runId, slot);
    return {
      done,
      stop: () => {
        this.log.push(`stop ${plan.runId}`);
        slot.stopAsked = true;
      },
    };
  };
  end(runId: string, result: LaunchResult = { ok: true, state: 'finished' }): void {
    const slot = this.pending.get(runId);
    assert.ok(slot, `${runId} is not running`);
    this.pending.delete(runId);
    this.log.push(`end ${runId}`);
    slot.resolve(result);
  }
  get running(): string[] {
    return [...this.pending.keys()];
  }
}

const tick = () => new Promise((r) => setImmediate(r));

function queue(runsDir: string, n: number, parallel: number, fake: FakeRuns, file?: string | null): SweepQueue {
  return new SweepQueue({
    sweep: { id: 'sw', config: '/ws/base.json', overrides: ['steps=10'], grid: 'seed=…', axes: [{ key: 'seed', values: [] }], sort: 'bestEvalLoss', runsDir },
    plans: plans(n),
    parallel,
    launch: fake.launch,
    file,
  });
}

const states = (q: SweepQueue) => q.record.entries.map((e) => e.state);

test('parallel = 1: one run at a time, in grid order, each starting only when the previous ended', async () => {
  const fake = new FakeRuns();
  const q = queue(tempDir('sweepq'), 3, 1, fake);
  const done = q.start();
  assert.deepEqual(fake.running, ['sw-01']);
  assert.deepEqual(states(q), ['running', 'queued', 'queued']);
  fake.end('sw-01');
  await tick();
  assert.deepEqual(fake.running, ['sw-02']);
  fake.end('sw-02');
  await tick();
  fake.end('sw-03');
  const record = await done;
  assert.deepEqual(fake.log, ['start sw-01', 'end sw-01', 'start sw-02', 'end sw-02', 'start sw-03', 'end sw-03']);
  assert.equal(record.state, 'finished');
  assert.deepEqual(states(q), ['finished', 'finished', 'finished']);
});

test('parallel = 2: two at once; a slot freed by any run goes to the next queued run in order', async () => {
  const fake = new FakeRuns();
  const q = queue(tempDir('sweepq'), 5, 2, fake);
  const done = q.start();
  assert.deepEqual(fake.running, ['sw-01', 'sw-02']);
  fake.end('sw-02'); // the second ends first
  await tick();
  assert.deepEqual(fake.running.sort(), ['sw-01', 'sw-03']);
  fake.end('sw-01');
  await tick();
  assert.deepEqual(fake.running.sort(), ['sw-03', 'sw-04']);
  fake.end('sw-04');
  fake.end('sw-03');
  await tick();
  assert.deepEqual(fake.running, ['sw-05']);
  fake.end('sw-05');
  await done;
  assert.deepEqual(fake.log.filter((l) => l.startsWith('start')), ['start sw-01', 'start sw-02', 'start sw-03', 'start sw-04', 'start sw-05']);
  assert.equal(q.record.state, 'finished');
});

test('a failed run (or one whose launch throws) does not stop the others; its error is kept', async () => {
  const fake = new FakeRuns();
  let calls = 0;
  const q = new SweepQueue({
    sweep: { id: 'sw', config: '/c.json', overrides: [], grid: 'seed=1,2,3', axes: [], sort: 'bestEvalLoss', runsDir: tempDir('sweepq') },
    plans: plans(3),
    parallel: 1,
    file: null,
    launch: (p) => {
      if (++calls === 2) throw new Error('spawn EMFILE');
      return fake.launch(p);
    },
  });
  const done = q.start();
  fake.end('sw-01', { ok: false, error: 'step 3: loss is NaN' });
  await tick();
  // sw-02's launch threw: failed at once, sw-03 started.
  assert.deepEqual(fake.running, ['sw-03']);
  fake.end('sw-03');
  const record = await done;
  assert.deepEqual(record.entries.map((e) => [e.state, e.error]), [['failed', 'step 3: loss is NaN'], ['failed', 'spawn EMFILE'], ['finished', undefined]]);
  assert.equal(record.state, 'finished');
});

test('stop(): queued runs are cancelled, running ones asked to stop (end as stopped), finished ones stay', async () => {
  const fake = new FakeRuns();
  const dir = tempDir('sweepq');
  const q = queue(dir, 6, 2, fake);
  const done = q.start();
  fake.end('sw-01');
  await tick();
  assert.deepEqual(fake.running.sort(), ['sw-02', 'sw-03']);
  q.stop();
  assert.deepEqual(fake.log.filter((l) => l.startsWith('stop')).sort(), ['stop sw-02', 'stop sw-03']);
  assert.deepEqual(states(q), ['finished', 'running', 'running', 'cancelled', 'cancelled', 'cancelled']);
  assert.equal(q.finished, false, 'the sweep is not over while runs are stopping');
  // A run that exits cleanly after a stop request without saying how ended: stopped.
  fake.end('sw-02', { ok: true });
  // One that reports it had finished anyway keeps "finished".
  fake.end('sw-03', { ok: true, state: 'finished' });
  const record = await done;
  assert.deepEqual(states(q), ['finished', 'stopped', 'finished', 'cancelled', 'cancelled', 'cancelled']);
  assert.equal(record.state, 'stopped');
  assert.ok(!fake.log.includes('start sw-04'), 'nothing starts after stop');
  // The file says the same.
  assert.deepEqual(readSweepFile(sweepFile(dir, 'sw')).entries.map((e) => e.state), states(q));
  assert.equal(sweepProgressText(record), '6/6 done, 1 stopped, 3 cancelled (sweep stopped)');
});

test('stop() before any run ends, with parallel = 1: the running one is stopped, the rest cancelled', async () => {
  const fake = new FakeRuns();
  const q = queue(tempDir('sweepq'), 3, 1, fake, null);
  const done = q.start();
  q.stop();
  q.stop(); // idempotent
  assert.deepEqual(fake.log, ['start sw-01', 'stop sw-01']);
  fake.end('sw-01', { ok: true, state: 'stopped' });
  assert.equal((await done).state, 'stopped');
  assert.deepEqual(states(q), ['stopped', 'cancelled', 'cancelled']);
});

test('the record is persisted atomically on every change, with plan, values and timestamps; change events fire', async () => {
  const fake = new FakeRuns();
  const dir = tempDir('sweepq');
  const q = queue(dir, 2, 1, fake);
  const seen: string[] = [];
  q.onChange(({ entry, record }) => seen.push(entry ? `${entry.runId}:${entry.state}` : `sweep:${record.state}`));
  const file = sweepFile(dir, 'sw');
  assert.equal(file, path.join(dir, '.sweeps', 'sw.json'));
  const done = q.start();
  const live = JSON.parse(fs.readFileSync(file, 'utf8')) as SweepRecord;
  assert.equal(live.format, 'helene-sweep');
  assert.equal(live.version, 1);
  assert.equal(live.state, 'running');
  assert.equal(live.pid, process.pid);
  assert.equal(live.parallel, 1);
  assert.equal(live.config, '/ws/base.json');
  assert.deepEqual(live.overrides, ['steps=10']);
  assert.equal(live.runsDir, dir);
  assert.deepEqual(live.entries.map((e) => [e.index, e.runId, e.label, e.values, e.state]), [
    [0, 'sw-01', 'seed=1', { seed: 1 }, 'running'],
    [1, 'sw-02', 'seed=2', { seed: 2 }, 'queued'],
  ]);
  assert.ok(live.entries[0].startedAt && !live.entries[1].startedAt);
  fake.end('sw-01');
  await tick();
  fake.end('sw-02');
  await done;
  const final = JSON.parse(fs.readFileSync(file, 'utf8')) as SweepRecord;
  assert.equal(final.state, 'finished');
  assert.ok(final.entries.every((e) => e.state === 'finished' && e.endedAt));
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ['sw.json'], 'no temp files left');
  assert.deepEqual(seen, ['sweep:running', 'sw-01:running', 'sw-01:finished', 'sw-02:running', 'sw-02:finished', 'sweep:finished']);
});

test('a sweep file left "running" by a dead process reads as interrupted; a live one reads as is', async () => {
  const fake = new FakeRuns();
  const dir = tempDir('sweepq');
  const q = queue(dir, 3, 1, fake);
  void q.start();
  fake.end('sw-01');
  await tick();
  const file = sweepFile(dir, 'sw');
  // This process is alive: the file reads as running.
  assert.equal(readSweepFile(file).state, 'running');
  // Pretend the driving process died.
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as SweepRecord;
  raw.pid = DEAD_PID;
  fs.writeFileSync(file, JSON.stringify(raw));
  const read = readSweepFile(file);
  assert.equal(read.state, 'interrupted');
  assert.deepEqual(read.entries.map((e) => e.state), ['finished', 'interrupted', 'cancelled']);
  assert.match(sweepProgressText(read), /sweep interrupted/);
  // listSweeps reads every sweep, reports a broken file instead of throwing.
  fs.writeFileSync(path.join(dir, '.sweeps', 'broken.json'), '{not json');
  fs.writeFileSync(path.join(dir, '.sweeps', 'other.json'), JSON.stringify({ format: 'something' }));
  const listed = listSweeps(dir);
  assert.deepEqual(listed.records.map((r) => [r.id, r.state]), [['sw', 'interrupted']]);
  assert.equal(listed.problems.length, 2);
  assert.deepEqual(listSweeps(path.join(dir, 'nope')), { records: [], problems: [] });
  fake.end('sw-02');
  await tick();
  fake.end('sw-03');
  await q.done;
});

test('parallel must be a whole number >= 1', () => {
  const fake = new FakeRuns();
  assert.throws(() => queue(tempDir('sweepq'), 2, 0, fake, null), /parallel must be/);
  assert.throws(() => queue(tempDir('sweepq'), 2, 1.5, fake, null), /parallel must be/);
});
