/**
 * The real runtime (dist/cli.js train --ipc under the extension's supervisor) ends a run while the
 * extension host is not reading: the host's thread is blocked from the runtime's hello until
 * status.json says finished, so the whole run's metrics (~1 MB, several times the socket's buffer)
 * are still queued in the runtime when it sends its final status and 'done'. Every message must
 * arrive once the host reads again (e2e e-resume once stayed at "49,000/50,000 running").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RuntimeProcess } from '../../extension/runtime-process';
import type { RunStatus, RunSummary } from '../../runtime/protocol';
import { tempDir } from './helpers';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
const STEPS = 3000;

/** Blocks this thread (no IPC is read meanwhile) until `file` says finished; false after `limitMs`. */
function blockUntilFinished(file: string, limitMs: number): boolean {
  const sleep = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    try {
      if ((JSON.parse(fs.readFileSync(file, 'utf8')) as RunStatus).state === 'finished') return true;
    } catch {
      // not written yet, or mid-rename
    }
    Atomics.wait(sleep, 0, 0, 10);
  }
  return false;
}

test("a run that ends while the host is not reading: every step record, the final status and 'done' arrive", async (t) => {
  const work = tempDir('ipc-end');
  assert.equal(spawnSync(process.execPath, [CLI, 'scaffold', path.join(work, 'ws')]).status, 0);
  const proc = RuntimeProcess.start({ cliPath: CLI, configPath: path.join(work, 'ws', 'helene.helene.json'), runsDir: path.join(work, 'runs'), overrides: [`steps=${STEPS}`, 'evalEvery=0', 'engine.threads=1'] });
  t.after(() => proc.kill('SIGKILL'));
  let steps = 0;
  let lastT = 0;
  let lastStatus: RunStatus | null = null;
  let done: RunSummary | null = null;
  let finishedSeen = false;
  proc.events.on('hello', ({ runDir }) => {
    finishedSeen = blockUntilFinished(path.join(runDir, 'status.json'), 120_000);
  });
  proc.events.on('metrics', (records) => {
    for (const r of records) {
      if (r.kind === 'step') {
        steps++;
        lastT = r.t;
      }
    }
  });
  proc.events.on('status', (s) => (lastStatus = s));
  proc.events.on('done', (s) => (done = s));
  const exit = await proc.exited;
  assert.ok(finishedSeen, 'the run finished while the host was blocked');
  assert.equal(exit.code, 0, exit.message);
  assert.equal(steps, STEPS, 'every step record arrived');
  assert.equal(lastT, STEPS);
  assert.equal((lastStatus as RunStatus | null)?.state, 'finished', 'the final status arrived');
  assert.equal((done as RunSummary | null)?.steps, STEPS, "'done' arrived");
});
