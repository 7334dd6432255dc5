// RunSession/RunRegistry over the fake runtime: the in-memory mirror, the status text, and the
// failure written into the run folder when the runtime dies without finishing it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RunRegistry } from '../../extension/run-registry';
import { recordAbnormalEnd } from '../../extension/run-ended-record';
import { describeExit } from '../../extension/runtime-process';
import { formatLoss, statusText } from '../../extension/status-text';
import type { RunStatus } from '../../runtime/protocol';

const FAKE = path.join(__dirname, 'fixtures-fake-runtime', 'fake-runtime.js');

function tempRunDir(status: Partial<RunStatus> = { state: 'running' }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-ext-'));
  fs.writeFileSync(path.join(dir, 'status.json'), JSON.stringify({ step: 2, totalSteps: 10, updatedAt: 'x', ...status }));
  return dir;
}

function startFake(registry: RunRegistry, mode: string, runDir: string, steps?: number) {
  const env = { ...process.env, FAKE_MODE: mode, FAKE_RUN_DIR: runDir, ...(steps ? { FAKE_STEPS: String(steps) } : {}) };
  return registry.start({ cliPath: FAKE, configPath: 'c.json', env }, 'label');
}

test('the session mirrors what the runtime reported and the status bar text follows it', async () => {
  const registry = new RunRegistry();
  const runDir = tempRunDir();
  const session = startFake(registry, 'normal', runDir, 4);
  let changes = 0;
  registry.events.on('changed', () => changes++);
  assert.equal(registry.latest(), session);
  assert.deepEqual(registry.live(), [session]);
  assert.equal(statusText(session).text, '$(loading~spin) HELENE starting');
  await session.process.exited;
  assert.equal(session.runDir, runDir);
  assert.equal(registry.byRunDir(runDir), session);
  assert.equal(session.live, false);
  assert.deepEqual(registry.live(), []);
  const snap = session.snapshot();
  assert.deepEqual(snap.records.map((r) => r.t), [1, 2, 3, 4]);
  assert.equal(snap.status?.state, 'finished');
  assert.equal(snap.summary?.steps, 4);
  assert.equal(session.step, 4);
  assert.equal(session.name, 'fake');
  assert.ok(changes > 3);
  const view = statusText(session);
  assert.equal(view.text, '$(check) HELENE finished · 4/4 · loss 0.2500 · CPU');
  assert.equal(view.error, false);
  assert.match(view.tooltip, /Provider: cpu \(requested auto\)/);
});

test('a crash marks the run folder failed with the last stderr lines, and the session shows it', async () => {
  const registry = new RunRegistry();
  const runDir = tempRunDir();
  const session = startFake(registry, 'crash', runDir);
  const statuses: string[] = [];
  session.events.on('status', (s) => statuses.push(s.state));
  const exit = await session.events.once('ended');
  assert.equal(exit.outcome, 'failed');
  const onDisk = JSON.parse(fs.readFileSync(path.join(runDir, 'status.json'), 'utf8')) as RunStatus;
  assert.equal(onDisk.state, 'failed');
  assert.match(onDisk.error ?? '', /Error: fake native crash$/);
  assert.match(onDisk.message ?? '', /exited with code 3/);
  assert.equal(statuses[statuses.length - 1], 'failed');
  const view = statusText(session);
  assert.equal(view.error, true);
  assert.match(view.text, /^\$\(error\) HELENE failed/);
  assert.match(view.tooltip, /fake native crash/);
});

test('a clean exit whose final status and done were lost shows the end the run folder recorded, never a stale "running"', async () => {
  const registry = new RunRegistry();
  const runDir = tempRunDir();
  const session = startFake(registry, 'lost-end', runDir, 6);
  const output: string[] = [];
  session.events.on('output', (l) => output.push(l.text));
  const exit = await session.events.once('ended');
  assert.equal(exit.code, 0);
  assert.deepEqual(session.records.map((r) => r.t), [1, 2, 3, 4], "the last two steps' metrics never arrived");
  assert.equal(session.status?.state, 'finished');
  assert.equal(session.step, 6);
  assert.equal(exit.outcome, 'finished');
  assert.equal(exit.summary?.steps, 6, 'the summary was read from summary.json');
  assert.equal(session.endReadFromFolder, true, 'panels are told to reread the folder');
  assert.match(statusText(session).text, /^\$\(check\) HELENE finished · 6\/6 /);
  assert.ok(output.some((l) => /final status did not arrive; read from .*: finished at step 6/.test(l)), output.join(' | '));
});

test('a run stopped from the window whose last messages were lost ends "stopped", as summary.json says, not "finished"', async () => {
  const registry = new RunRegistry();
  const runDir = tempRunDir();
  const session = startFake(registry, 'lost-end', runDir);
  await session.events.once('started');
  while (session.records.length < 2) await new Promise((r) => setTimeout(r, 5));
  const exit = await session.process.stop(5_000);
  assert.equal(exit.outcome, 'stopped');
  assert.equal(session.status?.state, 'stopped');
  assert.equal(session.step, exit.summary?.steps);
  assert.match(statusText(session).text, /^\$\(debug-stop\) HELENE stopped · /);
});

test('recordAbnormalEnd never overwrites a status the runtime finalised', () => {
  const exit = describeExit({ code: 1, signal: null, summary: null, fatal: 'boom', spawnError: null, lastStderr: ['x'] });
  const finished = tempRunDir({ state: 'finished' });
  assert.equal(recordAbnormalEnd(finished, exit), null);
  assert.equal(JSON.parse(fs.readFileSync(path.join(finished, 'status.json'), 'utf8')).state, 'finished');
  const clean = describeExit({ code: 0, signal: null, summary: null, fatal: null, spawnError: null, lastStderr: [] });
  assert.equal(recordAbnormalEnd(tempRunDir(), clean), null, 'a clean exit writes nothing');
  assert.equal(recordAbnormalEnd(path.join(os.tmpdir(), 'no-such-run-dir'), exit), null);
  const crashed = describeExit({ code: null, signal: 'SIGKILL', summary: null, fatal: null, spawnError: null, lastStderr: [] });
  assert.equal(recordAbnormalEnd(tempRunDir({ state: 'paused' }), crashed)?.state, 'crashed');
});

test('loss formatting stays short', () => {
  assert.equal(formatLoss(0.693147), '0.6931');
  assert.equal(formatLoss(0.00001234), '1.23e-5');
  assert.equal(formatLoss(123456), '1.23e+5');
  assert.equal(formatLoss(Number.NaN), 'NaN');
});

test('the status bar names the run\'s optimizer (a MeZO run does not say HELENE)', () => {
  const base = { name: 'demo-mezo', status: { state: 'running' }, lastStep: undefined, step: 12, totalSteps: 100, exit: undefined, live: true };
  const mezo = statusText({ ...base, manifest: { engine: { provider: 'cpu', requestedProvider: 'auto' }, config: { optimizer: { name: 'mezo' } } } } as never);
  assert.match(mezo.text, /^\$\(pulse\) mezo · 12\/100 · CPU$/);
  const hizoo = statusText({ ...base, manifest: { engine: { provider: 'cpu', requestedProvider: 'auto' }, config: { optimizer: { name: 'hizoo' } } } } as never);
  assert.match(hizoo.text, /^\$\(pulse\) hizoo /);
});
