/**
 * Queue-backed sweeps through the built CLI against a real redis-server (test/runtime/redis-server.ts):
 * a sweep over two workers (a bad-input run fails once, not retried, its line in the table), a worker
 * SIGKILLed with its child mid-run (another worker resumes the run, which ends bit for bit as an
 * uninterrupted run), a stopped sweep (waiting jobs cancelled, the running one stopped at a step
 * boundary), `follow` from the Redis stream, and one clear line for each bad queue URL.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Redis } from 'ioredis';
import type { QueueWorkerInfo, SweepRecord } from '../../runtime/protocol';
import { Queue } from 'bullmq';
import { readRunFolderSync } from '../../runtime/run/run-reader';
import { readQueueStatus } from '../../runtime/queue/queue-status';
import { RemoteRunMirror } from '../../extension/sweeps/remote-run-mirror';
import { listCheckpoints } from '../../runtime/run/checkpoint';
import { comparable, latestCheckpointTensors, tempDir } from './helpers';
import { freePort, redisMissing, startRedisServer, type RedisServer } from './redis-server';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
/** Short job locks: a dead worker's job is handed on within about two seconds. */
const WORKER_ENV = { ...process.env, HELENE_QUEUE_LOCK_MS: '1500' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function scaffold(): string {
  const dir = path.join(tempDir('qsweep'), 'ws');
  const r = spawnSync(process.execPath, [CLI, 'scaffold', dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return dir;
}

interface Proc {
  child: ChildProcess;
  out: () => string;
  exit: Promise<number | null>;
}

function run(args: string[], env: NodeJS.ProcessEnv = process.env): Proc {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let text = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (text += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (text += s));
  const exit = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  return { child, out: () => text, exit };
}

function startWorker(url: string, runsDir: string, id: string): Proc {
  return run(['worker', '--queue', url, '--runs-dir', runsDir, '--worker-id', id], WORKER_ENV);
}

async function stopWorker(w: Proc): Promise<void> {
  if (w.child.exitCode !== null || w.child.signalCode !== null) return;
  w.child.kill('SIGTERM');
  const timer = setTimeout(() => w.child.kill('SIGKILL'), 10_000);
  await w.exit;
  clearTimeout(timer);
}

async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await sleep(50);
  }
}

function statusOf(dir: string): { step: number; pid: number; state: string } | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'status.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

// A hung sweep or worker fails the suite after five minutes instead of holding CI (it takes ~30 s).
describe('queue-backed sweeps', { skip: redisMissing, timeout: 300_000 }, () => {
  let redis: RedisServer;
  let locked: RedisServer;
  let ws: string;
  before(async () => {
    redis = await startRedisServer();
    locked = await startRedisServer({ password: 'queue-secret' });
    ws = scaffold();
  });
  after(async () => {
    await redis?.stop();
    await locked?.stop();
  });

  test('two workers run a 4-run sweep; a bad-input run fails once with its one line; follow replays a run from the stream', async () => {
    const shared = path.join(path.dirname(ws), 'shared');
    const workers = [startWorker(redis.url, shared, 'w1'), startWorker(redis.url, shared, 'w2')];
    try {
      const r = run(['sweep', '--queue', redis.url, '--config', path.join(ws, 'mezo.helene.json'), '--grid', `seed=1,2; model.path=demo-mlp.onnx,missing.onnx`, '--steps', '300', '--sweep-id', 'two']);
      const code = await r.exit;
      assert.equal(code, 1, r.out());
      // The good runs: complete folders on the shared runs dir, each finished by one of the workers.
      for (const id of ['two-01', 'two-03']) {
        const snap = readRunFolderSync(path.join(shared, id));
        assert.equal(snap.status?.state, 'finished', id);
        assert.equal(snap.summary?.steps, 300, id);
        assert.ok(listCheckpoints(path.join(shared, id)).length > 0, `${id} has its final checkpoint`);
        assert.match(r.out(), new RegExp(`${id} seed=\\d path=demo-mlp.onnx: finished \\(on w[12]\\)`));
      }
      // The bad-input runs: failed with the train command's one line, taken exactly once (no retry).
      for (const id of ['two-02', 'two-04']) {
        assert.match(r.out(), new RegExp(`${id} seed=\\d path=missing.onnx: failed: .*missing\\.onnx`), r.out());
        const takes = workers.map((w) => w.out().split('\n').filter((l) => l.startsWith(`${id} `) && / taken/.test(l)).length);
        assert.equal(takes[0] + takes[1], 1, `${id} taken once: ${JSON.stringify(takes)}`);
      }
      assert.match(r.out(), /sweep done: 2 of 4 runs failed/);
      const failedLine = r.out().split('\n').find((l) => l.startsWith('failed two-02'))!;
      assert.ok(failedLine && !/\n|    at /.test(failedLine), 'one line, no stack');
      // Both workers took work (one job each at a time, four jobs).
      assert.ok(workers.every((w) => / taken/.test(w.out())), workers.map((w) => w.out()).join('\n---\n'));
      // The local sweep record (for the extension) says which queue ran it.
      const record = JSON.parse(fs.readFileSync(path.join(ws, 'runs', '.sweeps', 'two.json'), 'utf8')) as SweepRecord;
      assert.equal(record.queue, redis.url);
      assert.deepEqual(record.entries.map((e) => e.state), ['finished', 'failed', 'finished', 'failed']);

      // follow: the run's progress from Redis alone, ending with the same final loss as its folder.
      const f = run(['follow', '--queue', redis.url, 'two-01']);
      assert.equal(await f.exit, 0, f.out());
      const summary = readRunFolderSync(path.join(shared, 'two-01')).summary!;
      assert.match(f.out(), new RegExp(`finished: 300 steps, final train loss ${summary.finalLoss!.toFixed(4)}`));
      // The run panel's mirror of the stream holds the same run as the folder: manifest, records, the end.
      const mirror = new RemoteRunMirror(redis.url, 'two-01');
      try {
        await mirror.start();
        const snap = mirror.snapshot();
        const folder = readRunFolderSync(path.join(shared, 'two-01'));
        assert.equal(snap.manifest?.id, 'two-01');
        assert.equal(mirror.live, false, 'ended');
        assert.equal(snap.summary?.finalLoss, folder.summary?.finalLoss);
        assert.deepEqual(comparable(snap.records), comparable(folder.records), 'the stream carries every record of metrics.jsonl');
      } finally {
        mirror.close();
      }
      const bad = run(['follow', '--queue', redis.url, 'two-02']);
      assert.equal(await bad.exit, 1, bad.out());
      assert.match(bad.out(), /failed on w[12]: .*missing\.onnx/);

      // The Sweeps view's status (plain Redis reads) agrees with BullMQ's own counts, and lists both workers idle.
      const client = new Redis(redis.url);
      const queue = new Queue('runs', { connection: client, prefix: 'helene' });
      try {
        const status = await readQueueStatus(client);
        const theirs = await queue.getJobCounts('waiting', 'delayed', 'prioritized', 'active', 'completed', 'failed');
        assert.deepEqual(status.counts, { queued: theirs.waiting + theirs.paused + theirs.delayed + theirs.prioritized, running: theirs.active, done: theirs.completed, failed: theirs.failed });
        assert.deepEqual([status.counts.done, status.counts.failed], [2, 2]);
        assert.deepEqual(status.workers.map((w) => [w.id, w.running.length, w.runsDir]), [['w1', 0, shared], ['w2', 0, shared]]);
      } finally {
        await queue.close();
        client.disconnect();
      }
    } finally {
      await Promise.all(workers.map(stopWorker));
    }
  });

  test('a worker SIGKILLed with its child mid-run: another worker resumes the run, which ends bit for bit as an uninterrupted run', async () => {
    const shared = path.join(path.dirname(ws), 'shared-kill');
    // Long enough to be mid-run when killed on a quiet machine too (the demo runs ~3,000 steps/s there).
    const settings = ['--steps', '30000', '--set', 'checkpoint.every=2000', '--set', 'evalEvery=5000', '--set', 'statsEvery=5000'];
    const config = path.join(ws, 'helene.helene.json');
    const first = startWorker(redis.url, shared, 'doomed');
    let second: Proc | null = null;
    const client = new Redis(redis.url);
    try {
      await waitFor('the first worker heartbeat', () => client.exists('helene:worker:doomed'));
      const sweep = run(['sweep', '--queue', redis.url, '--config', config, '--grid', 'seed=7', '--sweep-id', 'kill', ...settings]);
      const dir = path.join(shared, 'kill-01');
      // The second worker starts once the first holds the job, so only a takeover can give it the run.
      await waitFor('the job on the first worker', async () => (JSON.parse((await client.get('helene:worker:doomed')) ?? '{}') as QueueWorkerInfo).running?.includes('kill-01'));
      second = startWorker(redis.url, shared, 'heir');
      const st = await waitFor('a checkpoint and more steps', () => {
        const s = statusOf(dir);
        return s && s.step >= 2500 && listCheckpoints(dir).length > 0 && s;
      });
      // The run's process first: it trains with --ipc, so once its worker is gone it stops by itself
      // (on a quiet machine before a second kill could reach it: ESRCH in a clean-clone CI run).
      process.kill(st.pid, 'SIGKILL');
      first.child.kill('SIGKILL');
      await first.exit;
      const killedAt = statusOf(dir)!.step;
      assert.ok(killedAt < 30000, `killed mid-run (step ${killedAt})`);
      assert.equal(await sweep.exit, 0, sweep.out());
      assert.match(sweep.out(), /kill-01 seed=7: finished \(on heir, resumed from step \d+\)/);
      assert.match(second.out(), /kill-01 \(seed=7\): taken again/);

      // The uninterrupted reference: the same config trained in one go.
      const refRuns = tempDir('qref');
      const ref = spawnSync(process.execPath, [CLI, 'train', '--config', config, ...settings, '--set', 'seed=7', '--runs-dir', refRuns, '--run-id', 'ref', '--quiet'], { encoding: 'utf8' });
      assert.equal(ref.status, 0, ref.stderr);
      const got = readRunFolderSync(dir);
      const want = readRunFolderSync(path.join(refRuns, 'ref'));
      assert.equal(got.summary?.state, 'finished');
      assert.deepEqual(comparable(got.records), comparable(want.records), 'the same metrics, no duplicate or missing step');
      const a = latestCheckpointTensors(dir);
      const b = latestCheckpointTensors(path.join(refRuns, 'ref'));
      assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
      for (const [k, v] of a) assert.ok(v.equals(b.get(k)!), `${k} bit for bit`);
    } finally {
      client.disconnect();
      await stopWorker(first);
      if (second) await stopWorker(second);
    }
  });

  test('stopping a queued sweep: waiting jobs are cancelled, the running run stops at a step boundary, exit 130', async () => {
    const shared = path.join(path.dirname(ws), 'shared-stop');
    const worker = startWorker(redis.url, shared, 'only');
    try {
      const sweep = run(['sweep', '--queue', redis.url, '--config', path.join(ws, 'mezo.helene.json'), '--grid', 'seed=1,2,3', '--steps', '1000000', '--sweep-id', 'halt']);
      await waitFor('the first run stepping', () => (statusOf(path.join(shared, 'halt-01'))?.step ?? 0) > 0);
      sweep.child.kill('SIGINT');
      assert.equal(await sweep.exit, 130, sweep.out());
      assert.match(sweep.out(), /sweep stopped: 0 finished, 1 stopped, 2 cancelled/);
      const snap = readRunFolderSync(path.join(shared, 'halt-01'));
      assert.equal(snap.status?.state, 'stopped');
      assert.ok(snap.summary && snap.summary.steps > 0 && snap.summary.steps < 1_000_000);
      assert.ok(!fs.existsSync(path.join(shared, 'halt-02')) && !fs.existsSync(path.join(shared, 'halt-03')), 'cancelled runs never started');
      assert.equal(worker.child.exitCode, null, 'the worker keeps serving');
    } finally {
      await stopWorker(worker);
    }
  });

  test('bad queue input: one clear line each (unreachable, wrong password, another queue schema), exit 1', async () => {
    const config = path.join(ws, 'mezo.helene.json');
    const port = await freePort();
    const cases: [string, string[], RegExp][] = [
      ['unreachable sweep', ['sweep', '--queue', `redis://127.0.0.1:${port}`, '--config', config, '--grid', 'seed=1'], new RegExp(`^error: cannot reach Redis at redis://127\\.0\\.0\\.1:${port} \\(for the sweep queue\\): connection refused`)],
      ['unreachable worker', ['worker', '--queue', `redis://127.0.0.1:${port}`, '--runs-dir', tempDir('qbad')], /^error: cannot reach Redis at .* \(for the run queue\): connection refused/],
      ['wrong password', ['sweep', '--queue', `redis://:nope@127.0.0.1:${locked.port}`, '--config', config, '--grid', 'seed=1'], /^error: Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ \(for the sweep queue\) refused the password/],
      ['no password', ['worker', '--queue', `redis://127.0.0.1:${locked.port}`, '--runs-dir', tempDir('qbad')], /^error: Redis at .* needs a password: put it in the URL/],
      ['not a Redis URL', ['follow', '--queue', `http://127.0.0.1:${port}`, 'x'], /^error: --queue: "http:" is not a Redis scheme/],
    ];
    // A queue stamped by another schema, in its own database of the test server.
    const other = `${redis.url}/5`;
    const client = new Redis(other);
    await client.hset('helene:meta', 'schema', '999');
    client.disconnect();
    cases.push(['another schema', ['worker', '--queue', other, '--runs-dir', tempDir('qbad')], /^error: the queue at redis:\/\/127\.0\.0\.1:\d+\/5 was made by a helene-studio with queue schema 999; this one speaks schema 1/]);
    cases.push(['another schema (sweep)', ['sweep', '--queue', other, '--config', config, '--grid', 'seed=1'], /^error: the queue at .* schema 999/]);
    // All at once: each is a CLI start-up and a refused connection, independent of the others.
    const results = await Promise.all(cases.map(async ([, args]) => {
      const p = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      p.stdout.setEncoding('utf8').on('data', (x: string) => (stdout += x));
      p.stderr.setEncoding('utf8').on('data', (x: string) => (stderr += x));
      const timer = setTimeout(() => p.kill('SIGKILL'), 30_000);
      const status = await new Promise<number | null>((resolve) => p.on('close', (c) => resolve(c)));
      clearTimeout(timer);
      return { status, stdout, stderr };
    }));
    for (const [i, [name, , want]] of cases.entries()) {
      const r = results[i];
      assert.equal(r.status, 1, `${name}: ${r.stdout}${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `${name}: one line, got ${r.stderr}`);
      assert.match(lines[0], want, name);
      assert.ok(!r.stderr.includes('nope'), `${name}: the password is never printed`);
    }
  });
});
