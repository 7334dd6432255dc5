/**
 * The run panel's history as the extension loads it: `helene-studio history` in a child process
 * (the built dist/cli.js), so a long metrics.jsonl is never parsed on the extension host's thread.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadRunHistory, loadRunHistoryText } from '../../extension/panel/history-process';
import { RUN_FORMAT, RUN_FORMAT_VERSION } from '../../runtime/protocol';

const CLI = path.resolve(__dirname, '../../dist/cli.js');

test('the panel history of a long run comes back decimated from a child process, with its events and last step', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'panel-history-'));
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ format: RUN_FORMAT, version: RUN_FORMAT_VERSION, config: {} }));
  const lines: string[] = [JSON.stringify({ kind: 'event', t: 0, wallMs: 0, event: 'started', message: 'started' })];
  for (let t = 1; t <= 40_000; t++) lines.push(JSON.stringify({ kind: 'step', t, loss: t === 9_000 ? 99 : 1, lr: 0.01, forwardPasses: 2 * t, examples: t, wallMs: t, timing: { forwardMs: 1, optimizerMs: 0, dataMs: 0, totalMs: 1 }, examplesPerSec: 1 }));
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), lines.join('\n') + '\n{"kind":"st');
  const timing = { hostMs: -1, wallMs: -1, snapshotBytes: -1 };
  const snap = await loadRunHistory({ cliPath: CLI, runDir: dir, timing });
  assert.equal(snap.history?.totalRecords, 40_001);
  // The timing the panel logs: the snapshot's size, and the calling thread's share inside the wall time.
  assert.equal(timing.snapshotBytes, JSON.stringify(snap).length);
  assert.ok(timing.hostMs > 0 && timing.hostMs < timing.wallMs, `host ${timing.hostMs} ms of ${timing.wallMs} ms`);
  assert.equal(snap.history?.decimated, true);
  assert.equal(snap.history?.tornLine, 40_002);
  assert.ok(snap.records.length < 10_000, `kept ${snap.records.length}`);
  assert.equal(snap.records[0].kind, 'event');
  assert.equal(snap.records[snap.records.length - 1].t, 40_000);
  assert.ok(snap.records.some((r) => r.kind === 'step' && r.loss === 99), 'the spike is kept');
  // The run panel's way: the text unparsed, and the facts for its notice over IPC.
  const { json, facts } = await loadRunHistoryText({ cliPath: CLI, runDir: dir });
  assert.deepEqual(JSON.parse(json), snap);
  assert.deepEqual(facts, { history: snap.history, records: snap.records.length });
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a run folder the runtime cannot read is a one-line reason, not a stack trace', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'panel-history-'));
  fs.writeFileSync(path.join(dir, 'run.json'), '{not json');
  await assert.rejects(loadRunHistory({ cliPath: CLI, runDir: dir }), (e: Error) => {
    assert.match(e.message, /run\.json/);
    assert.doesNotMatch(e.message, /\n|    at /);
    return true;
  });
  fs.rmSync(dir, { recursive: true, force: true });
});
