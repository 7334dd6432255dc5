// The runtime supervisor against a fake runtime script (no VS Code, no onnxruntime).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describeExit, RuntimeProcess, runtimeArgs, type OutputLine, type RuntimeProcessOptions } from '../../extension/runtime-process';
import type { MetricRecord, RunStatus } from '../../runtime/protocol';

const FAKE = path.join(__dirname, 'fixtures-fake-runtime', 'fake-runtime.js');

function start(mode: string, extra: Partial<RuntimeProcessOptions> = {}, steps?: number) {
  const env = { ...process.env, FAKE_MODE: mode, ...(steps ? { FAKE_STEPS: String(steps) } : {}) };
  const proc = RuntimeProcess.start({ cliPath: FAKE, configPath: '/tmp/x.helene.json', env, ...extra });
  const output: OutputLine[] = [];
  const records: MetricRecord[] = [];
  const statuses: RunStatus[] = [];
  proc.events.on('output', (l) => output.push(l));
  proc.events.on('metrics', (r) => records.push(...r));
  proc.events.on('status', (s) => statuses.push(s));
  return { proc, output, records, statuses };
}

async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('runtimeArgs: train --config --ipc, runs dir and repeated --set', () => {
  assert.deepEqual(runtimeArgs({ configPath: 'c.json', runsDir: '/r', overrides: ['engine.provider="cpu"', 'statsEvery=10'] }), [
    'train', '--config', 'c.json', '--ipc', '--runs-dir', '/r', '--set', 'engine.provider="cpu"', '--set', 'statsEvery=10',
  ]);
  assert.deepEqual(runtimeArgs({ configPath: 'c.json' }), ['train', '--config', 'c.json', '--ipc']);
  assert.deepEqual(runtimeArgs({ configPath: '/r/x/config.json', resumeDir: '/r/x', overrides: ['seed=2'] }), ['resume', '/r/x', '--ipc']);
  assert.deepEqual(runtimeArgs({ configPath: '/r/x/config.json', resumeDir: '/r/x', resumeArgs: ['--from-step', '10', '--lr=0.001'] }), ['resume', '/r/x', '--from-step', '10', '--lr=0.001', '--ipc']);
});

test('messages arrive in order: hello, manifest, status, metrics; stdout goes to the log sink', async () => {
  const { proc, output, records, statuses } = start('normal', { runsDir: '/tmp/runs' }, 5);
  const hello = await proc.events.once('hello');
  assert.equal(hello.runId, 'fake-run');
  assert.equal(proc.runDir, '/tmp/fake-run');
  const exit = await proc.exited;
  assert.equal(exit.outcome, 'finished');
  assert.equal(exit.code, 0);
  assert.deepEqual(records.map((r) => r.t), [1, 2, 3, 4, 5]);
  assert.equal(statuses[0].state, 'running');
  assert.equal(statuses[statuses.length - 1].state, 'finished');
  assert.equal(exit.summary?.steps, 5);
  assert.ok(output.some((l) => l.source === 'stdout' && l.text.includes('"--runs-dir","/tmp/runs"')), 'argv reached the child');
});

test('commands reach the child: pause, set-hyperparameters, resume, stop', async () => {
  const { proc, output, records, statuses } = start('normal');
  await until(() => records.length >= 2, 'first steps');
  assert.ok(proc.pause().ok);
  await until(() => statuses.some((s) => s.state === 'paused'), 'paused status');
  const pausedAt = records.length;
  await new Promise((r) => setTimeout(r, 60));
  assert.ok(records.length <= pausedAt + 1, 'no steps while paused');
  assert.ok(proc.setHyperparameters({ lr: 0.0005 }).ok);
  await until(() => output.some((l) => l.source === 'runtime' && l.text.includes('"lr":0.0005')), 'hyperparameter echo');
  assert.ok(proc.resume().ok);
  await until(() => records.length > pausedAt + 2, 'steps after resume');
  assert.equal((records[records.length - 1] as { lr: number }).lr, 0.0005);
  const exit = await proc.stop(2000);
  assert.equal(exit.outcome, 'stopped');
  assert.equal(exit.code, 0);
  assert.equal(proc.running, false);
  assert.deepEqual(proc.send({ type: 'pause' }), { ok: false, reason: 'the runtime process is not running' });
});

test('a runtime that lingers after done is released by closing the channel, and exits 0', async () => {
  const { proc } = start('linger', {}, 3);
  const t0 = Date.now();
  const exit = await proc.exited;
  assert.equal(exit.outcome, 'finished');
  assert.equal(exit.code, 0);
  assert.equal(exit.signal, null);
  assert.ok(Date.now() - t0 < 3000);
});

test('a runtime that ignores stop is terminated after the grace period and reported', async () => {
  const { proc, records } = start('deaf');
  await until(() => records.length > 0, 'first step');
  const exit = await proc.stop(150);
  assert.equal(exit.outcome, 'crashed');
  assert.equal(exit.signal, 'SIGTERM');
  assert.match(exit.message, /did not stop when asked/);
});

test('an invalid command is refused before it is sent', async () => {
  const { proc } = start('normal');
  await proc.events.once('hello');
  const sent = proc.send({ type: 'set-hyperparameters', values: { batchSize: 4 } } as never);
  assert.equal(sent.ok, false);
  assert.match((sent as { reason: string }).reason, /batchSize/);
  proc.kill();
  await proc.exited;
});

test('a crash (non-zero exit) is reported with the last stderr lines, never swallowed', async () => {
  const { proc, output } = start('crash');
  const exit = await proc.exited;
  assert.equal(exit.outcome, 'failed');
  assert.equal(exit.code, 3);
  assert.equal(exit.lastStderr.length, 40, 'keeps the last 40 lines');
  assert.equal(exit.lastStderr[exit.lastStderr.length - 1], 'Error: fake native crash', 'the unterminated last line is kept');
  assert.equal(exit.lastStderr[0], 'boom line 12');
  assert.match(exit.message, /exited with code 3/);
  assert.match(exit.message, /Error: fake native crash/);
  assert.ok(output.some((l) => l.source === 'supervisor' && l.level === 'error' && l.text.includes('code 3')), 'logged as an error');
});

test('death by signal is reported as crashed', async () => {
  const { proc } = start('signal');
  const exit = await proc.exited;
  assert.equal(exit.outcome, 'crashed');
  assert.equal(exit.signal, 'SIGKILL');
  assert.match(exit.message, /SIGKILL/);
});

test('a malformed message is rejected with a logged reason and reaches no listener', async () => {
  const { proc, output, records } = start('malformed', {}, 3);
  const rejected: string[] = [];
  proc.events.on('rejected', (r) => rejected.push(r.reason));
  const exit = await proc.exited;
  assert.equal(exit.outcome, 'finished');
  assert.equal(rejected.length, 2);
  assert.match(rejected[0], /unknown runtime message/);
  assert.match(rejected[1], /records must be an array/);
  assert.ok(output.filter((l) => l.source === 'supervisor' && l.level === 'warn' && l.text.startsWith('rejected a message')).length === 2);
  assert.equal(records.length, 3, 'the bad metrics message added nothing');
});

test('a missing runtime script fails with the loader error in the report', async () => {
  const proc = RuntimeProcess.start({ cliPath: '/nonexistent/cli.js', configPath: 'c.json' });
  const exit = await proc.exited;
  assert.equal(exit.outcome, 'failed');
  assert.notEqual(exit.code, 0);
  assert.match(exit.message, /Cannot find module/);
});

test('describeExit wording', () => {
  const base = { signal: null, summary: null, fatal: null, spawnError: null, lastStderr: ['a', 'b'] };
  assert.equal(describeExit({ ...base, code: 0 }).message, 'The run finished.');
  const failed = describeExit({ ...base, code: 1, fatal: 'model.onnx: not found' });
  assert.equal(failed.message, 'The runtime process exited with code 1: model.onnx: not found\nLast output:\na\nb');
});
