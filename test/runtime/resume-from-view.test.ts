/**
 * The Runs view's "Resume from checkpoint", minus VS Code: a run started through the extension's
 * supervisor (RuntimeProcess, real dist/cli.js) is killed after a checkpoint; discovery lists it as
 * interrupted and resumable; the supervisor's resume mode continues it in the same folder to the
 * end, with the same final numbers as a run that was never killed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { RuntimeProcess } from '../../extension/runtime-process';
import { listCheckpoints } from '../../runtime/run/checkpoint';
import { readRunListEntry } from '../../runtime/runs/discovery';
import { isResumable, type RunListItem } from '../../runtime/runs/run-list-item';
import { runNode } from '../../runtime/runs/tree-model';
import { tempDir } from './helpers';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
const STEPS = 6000;
const OVERRIDES = [`steps=${STEPS}`, 'checkpoint.every=500', 'evalEvery=1000', 'engine.threads=1'];

function start(config: string, runsDir: string, extra: { resumeDir?: string } = {}): RuntimeProcess {
  return RuntimeProcess.start({ cliPath: CLI, configPath: config, runsDir, overrides: OVERRIDES, ...extra });
}

test('a run killed mid-way lists as interrupted and resumable, and resumes through the supervisor to the uninterrupted result', async () => {
  const work = tempDir('resume-view');
  assert.equal(spawnSync(process.execPath, [CLI, 'scaffold', path.join(work, 'ws')]).status, 0);
  const config = path.join(work, 'ws', 'helene.helene.json');

  const reference = start(config, path.join(work, 'reference'));
  const refExit = await reference.exited;
  assert.equal(refExit.outcome, 'finished', refExit.message);

  const runsDir = path.join(work, 'runs');
  const first = start(config, runsDir);
  let runDir = '';
  first.events.on('hello', (h) => (runDir = h.runDir));
  const t0 = Date.now();
  while (!(runDir && listCheckpoints(runDir).length > 0)) {
    assert.ok(Date.now() - t0 < 60_000, 'no checkpoint within 60 s');
    await new Promise((r) => setTimeout(r, 2));
  }
  first.kill('SIGKILL');
  const killed = await first.exited;
  assert.equal(killed.outcome, 'crashed');

  const listed = readRunListEntry(runDir) as RunListItem;
  assert.equal(listed.kind, 'run');
  assert.equal(listed.state, 'interrupted');
  assert.ok(listed.checkpointStep! > 0 && listed.checkpointStep! < STEPS, `checkpoint at ${listed.checkpointStep}`);
  assert.ok(isResumable(listed));
  assert.match(runNode(listed).contextValue, /^heleneRun\.ended\.resumable/);

  const resumed = start(path.join(runDir, 'config.json'), runsDir, { resumeDir: runDir });
  const done = await resumed.exited;
  assert.equal(done.outcome, 'finished', done.message);
  assert.equal(done.summary!.steps, STEPS);
  assert.equal(done.summary!.finalLoss, refExit.summary!.finalLoss, 'same final train loss as the run that was never killed');
  assert.deepEqual(done.summary!.finalEval, refExit.summary!.finalEval);

  const after = readRunListEntry(runDir) as RunListItem;
  assert.equal(after.state, 'finished');
  assert.equal(isResumable(after), false);
});
