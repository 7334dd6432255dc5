/**
 * Data-parallel runs through the real CLI (dist/cli.js, local worker processes, a test redis-server):
 * a worker killed with SIGKILL stops the run at its last checkpoint with one message naming the dead
 * rank; the run resumes with another worker count and ends bit for bit where the uninterrupted
 * 1-process run ends. Bad input (unreachable Redis, wrong password, unknown run id, more workers
 * than examples) gives one clear line each.
 */
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { demoConfig, demoWorkspace, tempDir } from './helpers';
import { freePort, redisMissing, startRedisServer, type RedisServer } from './redis-server';
import { readRunFolderSync } from '../../runtime/run/run-reader';
import { sameRun, singleProcess, runFiles } from './dp-harness';
import { latestCheckpointTensors } from './helpers';

const CLI = path.resolve(__dirname, '../../dist/cli.js');

function cli(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
}

function assertOneErrorLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.split('\n').filter((l) => l.startsWith('error:'));
  assert.equal(lines.length, 1, stderr);
  assert.doesNotMatch(stderr, /\n {4}at /, 'no stack trace for bad input');
  assert.match(lines[0]!, pattern);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Steps in metrics.jsonl so far (0 while the file is not there). */
function stepsWritten(runDir: string): number {
  const file = path.join(runDir, 'metrics.jsonl');
  if (!fs.existsSync(file)) return 0;
  // The run is appending while this reads: the text after the last newline may be half a line
  // (a CI run once failed parsing one). Only complete lines count.
  const complete = fs.readFileSync(file, 'utf8').split('\n').slice(0, -1);
  const steps = complete.filter((l) => l.startsWith('{"kind":"step"'));
  return steps.length ? JSON.parse(steps[steps.length - 1]!).t : 0;
}

describe('data-parallel CLI', { skip: redisMissing }, () => {
  let redis: RedisServer;
  before(async () => {
    redis = await startRedisServer();
  });
  after(async () => {
    await redis?.stop();
  });

  test('SIGKILL of a worker stops the run at its last checkpoint; resuming with K = 3 ends where the 1-process run ends, bit for bit', async () => {
    // 1,500 steps: the kill (after step 120) must land far from the end on a quiet machine, where K = 2
    // trains ~750 steps a second and metrics reach the file every 200 ms.
    const overrides = ['steps=1500', 'data.batchSize=6', 'evalEvery=100', 'checkpoint.every=50'];
    const runs = tempDir('dp-kill');
    const config = demoWorkspace().configs.mezo;
    const args = ['train', '--config', config, ...overrides.flatMap((o) => ['--set', o]), '--runs-dir', runs, '--run-id', 'dp', '--data-parallel', '2', '--redis', redis.url, '--peer-timeout', '3', '--quiet'];
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const runDir = path.join(runs, 'dp');
    // Kill rank 1 once the run is past its first checkpoints and far from its end.
    while (stepsWritten(runDir) < 120) {
      assert.equal(child.exitCode, null, `the run ended before the kill: ${stderr}`);
      await sleep(20);
    }
    const pid = Number(/rank 1: local worker pid (\d+)/.exec(stderr)![1]);
    process.kill(pid, 'SIGKILL');
    const code = await exit;
    assert.equal(code, 1);
    assertOneErrorLine(stderr, /^error: rank 1 \(\d+@[^)]+\) stopped answering during step \d+: no heartbeat for 3 s; the run stopped \(its last checkpoint is step \d+\): continue it with helene-studio resume .* --data-parallel <K>$/);
    const [, during, last] = /during step (\d+).*last checkpoint is step (\d+)/.exec(stderr)!.map(Number);
    assert.ok(last! >= 100 && last! < during!, stderr);
    assert.equal(last! % 50, 0);
    // Nothing torn: every line parses, the run is recorded as failed with the same message, and only
    // rank 0 wrote (the runs folder holds this one run folder; rank 1 wrote nothing).
    const text = fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8');
    assert.ok(text.endsWith('\n'));
    for (const line of text.trimEnd().split('\n')) JSON.parse(line);
    const folder = readRunFolderSync(runDir);
    assert.equal(folder.summary?.state, 'failed');
    assert.deepEqual(fs.readdirSync(runs), ['dp']);

    // Resume with three workers.
    const resumed = cli(['resume', runDir, '--data-parallel', '3', '--redis', redis.url, '--quiet']);
    assert.equal(resumed.status, 0, resumed.stderr);
    const after = readRunFolderSync(runDir);
    assert.equal(after.summary?.state, 'finished');
    assert.equal(after.summary?.steps, 1500);
    assert.equal(after.summary?.dataParallel?.workers, 3);

    const single = await singleProcess(demoConfig('mezo', overrides));
    const dp = { summary: after.summary!, runDir, records: after.records, tensors: latestCheckpointTensors(runDir) };
    assert.deepEqual(sameRun(dp, single), { metrics: true, tensors: true });
    assert.ok(runFiles(runDir).includes('summary.json'));
  });

  test('Ctrl-C (SIGINT) on rank 0 stops every worker after the same step: a normal stopped run', async () => {
    const runs = tempDir('dp-stop');
    const args = ['train', '--config', demoWorkspace().configs.mezo, '--steps', '100000', '--set', 'data.batchSize=8', '--runs-dir', runs, '--run-id', 'dp-stop', '--data-parallel', '2', '--redis', redis.url, '--quiet'];
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // A run that ends before its 30th step fails the test at once (a loop that only waited for steps
    // hung the suite when an earlier failure left a run id taken on the shared Redis; this run has its own id).
    while (stepsWritten(path.join(runs, 'dp-stop')) < 30) {
      assert.equal(child.exitCode, null, `the run ended before the Ctrl-C: ${stderr}`);
      await sleep(20);
    }
    const follower = Number(/rank 1: local worker pid (\d+)/.exec(stderr)![1]);
    child.kill('SIGINT');
    assert.equal(await exit, 0, stderr);
    const folder = readRunFolderSync(path.join(runs, 'dp-stop'));
    assert.equal(folder.summary?.state, 'stopped');
    assert.ok(folder.summary!.steps < 100000);
    // The follower stopped after the same step (its last message was the final weights check) and exited.
    assert.throws(() => process.kill(follower, 0), /ESRCH/);
    assert.doesNotMatch(stderr, /error:/);
  });

  test('the summary prints the bytes per step on the wire', () => {
    const r = cli(['train', '--config', demoWorkspace().configs.mezo, '--steps', '20', '--set', 'data.batchSize=8', '--runs-dir', tempDir('dp-bytes'), '--data-parallel', '2', '--redis', redis.url]);
    assert.equal(r.status, 0, r.stderr);
    const m = /data-parallel traffic: (\d+) B per step on the wire, all 2 workers together \(the loss values alone: 64 B\); rank 0 sent \d+ B \/ received \d+ B, rank 1 sent \d+ B \/ received \d+ B per step, over 20 steps/.exec(r.stdout);
    assert.ok(m, r.stdout);
  });

  test('--join with an unreachable Redis URL says so in one line', async () => {
    const port = await freePort();
    const r = cli(['train', '--join', `redis://127.0.0.1:${port}/some-run`, '--rank', '1']);
    assert.equal(r.status, 1);
    assertOneErrorLine(r.stderr, new RegExp(`^error: cannot reach Redis at redis://127\\.0\\.0\\.1:${port} \\(for the data-parallel run\\): connection refused`));
  });

  test('--join with a wrong password says the password was refused, without printing it', async () => {
    const locked = await startRedisServer({ password: 'right-one' });
    try {
      const r = cli(['train', '--join', `redis://:wrong-one@127.0.0.1:${locked.port}/some-run`, '--rank', '1']);
      assert.equal(r.status, 1);
      assertOneErrorLine(r.stderr, /refused the password in the URL/);
      assert.doesNotMatch(r.stderr, /wrong-one/);
    } finally {
      await locked.stop();
    }
  });

  test('--join with a run id that does not exist names it', () => {
    const r = cli(['train', '--join', `${redis.url}/no-such-run`, '--rank', '1']);
    assert.equal(r.status, 1);
    assertOneErrorLine(r.stderr, /^error: --join: no data-parallel run "no-such-run" on Redis at redis:\/\/127\.0\.0\.1:\d+/);
  });

  test('--join without a run id in the URL says what the URL must look like', () => {
    const r = cli(['train', '--join', redis.url, '--rank', '1']);
    assert.equal(r.status, 1);
    assertOneErrorLine(r.stderr, /^error: --join "redis:\/\/127\.0\.0\.1:\d+": no run id at the end of the URL/);
  });

  test('more workers than the batch has examples is refused before anything is written', () => {
    const runs = tempDir('dp-too-many');
    const r = cli(['train', '--config', demoWorkspace().configs.mezo, '--set', 'data.batchSize=4', '--runs-dir', runs, '--data-parallel', '5', '--redis', redis.url]);
    assert.equal(r.status, 1);
    assertOneErrorLine(r.stderr, /^error: --data-parallel 5 is more workers than the batch has examples \(data.batchSize 4\)/);
    assert.deepEqual(fs.readdirSync(runs), []);
  });
});
