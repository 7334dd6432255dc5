/**
 * The pause / resume / stop latency trace through the real runtime (dist/cli.js under the
 * extension's supervisor, fork + IPC as in VS Code): the host's stamps go in with the command, the
 * runtime adds its receipt, the step at receipt, the last step's end and when the new state was
 * written, and records them in the event (metrics.jsonl) — the e2e tier reads latencies from there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RuntimeProcess } from '../../extension/runtime-process';
import type { EventRecord, MetricRecord } from '../../runtime/protocol';
import { tempDir } from './helpers';

const CLI = path.resolve(__dirname, '../../dist/cli.js');

test('a traced pause, resume and stop each record every hop in their event; the run completes at most the step in progress', async (t) => {
  const work = tempDir('control-trace');
  assert.equal(spawnSync(process.execPath, [CLI, 'scaffold', path.join(work, 'ws')]).status, 0);
  const proc = RuntimeProcess.start({ cliPath: CLI, configPath: path.join(work, 'ws', 'helene.helene.json'), runsDir: path.join(work, 'runs'), overrides: ['steps=1000000', 'evalEvery=0', 'engine.threads=1'] });
  t.after(() => proc.kill('SIGKILL')); // a failed assertion must not leave a paused runtime behind
  const events: EventRecord[] = [];
  let lastStep = 0;
  const waiters: (() => void)[] = [];
  proc.events.on('metrics', (records: MetricRecord[]) => {
    for (const r of records) {
      if (r.kind === 'step') lastStep = r.t;
      if (r.kind === 'event') events.push(r);
    }
    for (const w of waiters.splice(0)) w();
  });
  const until = async (what: string, ok: () => boolean) => {
    const deadline = Date.now() + 20_000;
    while (!ok()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      // Woken by the next metrics batch, or after 200 ms (a paused run sends none).
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 200);
      });
    }
  };
  const traced = (name: string) => events.find((e) => e.event === name && e.data?.latency) as (EventRecord & { data: { latency: Record<string, number> } }) | undefined;
  await until('500 steps', () => lastStep >= 500);

  const clickedAt = Date.now() - 3;
  assert.equal(proc.send({ type: 'pause', trace: { clickedAt, webviewAt: clickedAt + 1, hostAt: Date.now() } }).ok, true);
  await until('the paused event', () => !!traced('paused'));
  const p = traced('paused')!.data.latency;
  assert.deepEqual(Object.keys(p).sort(), ['appliedAt', 'clickedAt', 'hostAt', 'lastStepEndAt', 'runtimeAt', 'step', 'stepAtReceipt', 'webviewAt']);
  assert.equal(p.clickedAt, clickedAt, 'the host-side stamps travel unchanged');
  assert.ok(p.hostAt <= p.runtimeAt && p.runtimeAt <= p.appliedAt && p.lastStepEndAt <= p.appliedAt, JSON.stringify(p));
  assert.ok(p.step - p.stepAtReceipt <= 1, `the run took ${p.step - p.stepAtReceipt} steps after receiving the pause`);
  assert.equal(traced('paused')!.t, p.step, "the event's step is the step the trace names");
  const status = JSON.parse(fs.readFileSync(path.join(proc.runDir!, 'status.json'), 'utf8'));
  assert.deepEqual([status.state, status.step], ['paused', p.step], 'status.json was written before appliedAt');

  proc.send({ type: 'resume', trace: { hostAt: Date.now() } });
  await until('the resumed event', () => !!traced('resumed'));
  assert.equal(traced('resumed')!.data.latency.stepAtReceipt, p.step, 'nothing ran while paused');

  await until('steps after the resume', () => lastStep > p.step + 100);
  proc.send({ type: 'stop', trace: { hostAt: Date.now() } });
  const exit = await proc.exited;
  assert.equal(exit.outcome, 'stopped');
  const lines = fs.readFileSync(path.join(proc.runDir!, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as MetricRecord);
  const stopRequested = lines.find((r) => r.kind === 'event' && r.event === 'stop-requested') as EventRecord;
  const stopped = lines.find((r) => r.kind === 'event' && r.event === 'stopped') as EventRecord;
  const s = stopped.data!.latency as Record<string, number>;
  assert.ok(stopRequested.data?.latency, 'stop-requested carries the trace');
  assert.ok(s.hostAt <= s.runtimeAt && s.runtimeAt <= s.appliedAt && s.step - s.stepAtReceipt <= 1, JSON.stringify(s));

  // Exactly the four events of the traced commands carry a trace (checkpoints, start, etc. do not).
  assert.equal(lines.filter((r) => r.kind === 'event' && r.data && 'latency' in r.data).length, 4);
});
