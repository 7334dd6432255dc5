/**
 * A live resumed run's panel shows the whole run, not only the steps after the resume (found by the
 * e2e tier: the panel of a run resumed at step 9,497 drew its curves from 9,497 on). The resumed
 * process reports only its own records; the session adds the run's earlier records, read from the
 * folder with the trainer's own rule of what a resume keeps (`history --from-step`), which reads the
 * same before and after the resume cuts metrics.jsonl. Real dist/cli.js through the supervisor.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadRunHistory } from '../../extension/panel/history-process';
import { RunRegistry } from '../../extension/run-registry';
import { RuntimeProcess } from '../../extension/runtime-process';
import type { MetricRecord } from '../../runtime/protocol';
import { listCheckpoints } from '../../runtime/run/checkpoint';
import { tempDir } from './helpers';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
const STEPS = 4000;
/** The resume point: its history (600 steps, an eval, a few events) stays under the history's verbatim tail (HISTORY_DEFAULTS), so every step is in it. */
const FROM = 600;
// No per-layer records, for the same reason.
const OVERRIDES = [`steps=${STEPS}`, `checkpoint.every=${FROM}`, 'evalEvery=500', 'statsEvery=0', 'engine.threads=1'];

const stepsOf = (records: MetricRecord[]) => records.filter((r) => r.kind === 'step').map((r) => r.t);

test("the session of a resumed run snapshots the run's earlier records followed by its own, every step once", { timeout: 120_000 }, async () => {
  const work = tempDir('resume-history');
  assert.equal(spawnSync(process.execPath, [CLI, 'scaffold', path.join(work, 'ws')]).status, 0);
  const runsDir = path.join(work, 'runs');

  const first = RuntimeProcess.start({ cliPath: CLI, configPath: path.join(work, 'ws', 'helene.helene.json'), runsDir, overrides: OVERRIDES });
  let runDir = '';
  first.events.on('hello', (h) => (runDir = h.runDir));
  const t0 = Date.now();
  while (!(runDir && listCheckpoints(runDir).some((c) => c.step >= FROM))) {
    assert.ok(Date.now() - t0 < 60_000, `no checkpoint at ${FROM} within 60 s`);
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.equal((await first.stop()).outcome, 'stopped');
  const from = FROM; // an older kept checkpoint: the records after it are dropped by the resume
  assert.ok(listCheckpoints(runDir).some((c) => c.step === from), `kept: ${listCheckpoints(runDir).map((c) => c.step)}`);
  const before = await loadRunHistory({ cliPath: CLI, runDir, resumeFromStep: from });
  assert.deepEqual(stepsOf(before.records), Array.from({ length: from }, (_, i) => i + 1), 'the history up to the checkpoint, nothing after it');

  const registry = new RunRegistry();
  const loaded: MetricRecord[][] = [];
  const session = registry.start(
    { cliPath: CLI, configPath: path.join(runDir, 'config.json'), resumeDir: runDir, resumeArgs: ['--from-step', String(from)] },
    'resumed',
    (dir) => loadRunHistory({ cliPath: CLI, runDir: dir, resumeFromStep: from }).then((s) => (loaded.push(s.records), s.records)),
  );
  const history = new Promise<void>((resolve) => session.events.on('history', () => resolve()));
  const exit = await session.process.exited;
  await Promise.race([history, new Promise((_, reject) => setTimeout(() => reject(new Error('the earlier records were never read')), 10_000))]);
  assert.equal(exit.outcome, 'finished', exit.message);
  assert.deepEqual(loaded[0], before.records, 'read during the resume, the earlier records are the same as before it');

  const snapshot = session.snapshot();
  assert.deepEqual(stepsOf(snapshot.records), Array.from({ length: STEPS }, (_, i) => i + 1), 'every step once, in order');
  const onDisk = fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as MetricRecord);
  assert.deepEqual(snapshot.records.filter((r) => r.kind !== 'event'), onDisk.filter((r) => r.kind !== 'event'), 'the same steps and evals as the run folder');
});
