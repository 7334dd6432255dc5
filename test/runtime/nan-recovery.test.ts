/**
 * NaN recovery and resume overrides, through the real CLI on the scaffolded demo task (MeZO):
 * an lr of 1e38 overflows the loss within two steps, so a run resumed with it is driven to a real NaN
 * stop; a smaller lr then recovers it. Every case also checks that nothing saved is lost.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRunFolderSync } from '../../runtime/run/run-reader';
import { describeCheckpoints, listCheckpoints } from '../../runtime/run/checkpoint';
import { RuntimeProcess } from '../../extension/runtime-process';
import { comparable, tempDir } from './helpers';

const CLI = path.resolve(__dirname, '../../dist/cli.js');

const ws = (() => {
  let dir: string | null = null;
  return () => {
    if (!dir) {
      dir = path.join(tempDir('nan'), 'ws');
      assert.equal(spawnSync(process.execPath, [CLI, 'scaffold', dir]).status, 0);
    }
    return dir;
  };
})();

function cli(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args, '--quiet'], { encoding: 'utf8', timeout: 120_000 });
}

/**
 * A finished 30-step MeZO run at its tuned lr with a checkpoint every `every` steps, all kept. The
 * weight-growth guard is off: these tests drive a resume to a real NaN with lr 1e38, and that guard
 * would stop it one step earlier, on the weights' growth (as a user's run should stop).
 */
function trainRun(id: string, every: number): string {
  const runs = path.join(ws(), 'runs');
  const r = cli(['train', '--config', path.join(ws(), 'mezo.helene.json'), '--lr', '0.002', '--steps', '30', '--set', `checkpoint.every=${every}`, '--set', 'checkpoint.keep=100', '--set', 'evalEvery=10', '--set', 'statsEvery=10', '--set', 'guards.weightGrowth.enabled=false', '--run-id', id, '--runs-dir', runs]);
  assert.equal(r.status, 0, r.stderr);
  return path.join(runs, id);
}

const metricsBytes = (dir: string) => fs.readFileSync(path.join(dir, 'metrics.jsonl'));

test('a run driven to NaN: its checkpoint is marked not good, and resume --lr <small> continues past the NaN and finishes finite', () => {
  const dir = trainRun('to-nan', 1);
  // Resumed from step 10 with lr 1e38, the next weights give a non-finite loss at once.
  const bad = cli(['resume', dir, '--from-step', '10', '--lr', '1e38']);
  assert.equal(bad.status, 1, bad.stdout + bad.stderr);
  const m = /error: step (\d+): non-finite loss/.exec(bad.stderr);
  assert.ok(m, bad.stderr);
  const nanStep = Number(m[1]);
  assert.ok(nanStep > 11, `NaN at step ${nanStep}, after the first resumed step`);
  assert.equal(bad.stderr.split('\n').filter((l) => l.includes('non-finite loss')).length, 1, `the failure is said once:\n${bad.stderr}`);
  assert.match(bad.stderr, /resume: optimizer\.lr = 1e\+38 \(checkpoint had 0\.002\)/);
  // The checkpoint of step nanStep - 1 holds the weights whose loss was NaN: marked not good.
  const info = describeCheckpoints(dir);
  assert.equal(info.find((c) => c.step === nanStep - 1)?.lossFinite, false, JSON.stringify(info));
  assert.ok(info.every((c) => c.step < nanStep), 'no checkpoint of the dropped records survives');
  const failed = readRunFolderSync(dir).records;
  assert.ok(failed.some((r) => r.kind === 'event' && r.event === 'hyperparameters' && (r.data as { source?: string })?.source === 'resume'), 'the override is an event');

  // Plain resume with a small lr: skips the not-good checkpoint, runs past the NaN step to the end.
  const ok = cli(['resume', dir, '--lr', '0.001']);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stderr, /resume: optimizer\.lr = 0\.001 \(checkpoint had 0\.002\)/);
  const run = readRunFolderSync(dir);
  const resumed = run.records.find((r) => r.kind === 'event' && r.event === 'resumed');
  assert.equal(resumed?.t, nanStep - 2, 'resumed from the newest good checkpoint, before the not-good one');
  assert.equal(run.status?.state, 'finished');
  const steps = run.records.filter((r) => r.kind === 'step');
  assert.deepEqual(steps.map((r) => r.t), Array.from({ length: 30 }, (_, i) => i + 1), 'each step once');
  for (const s of steps.filter((r) => r.t >= nanStep)) {
    assert.ok(Number.isFinite(s.loss), `step ${s.t} loss ${s.loss}`);
    assert.equal(s.lr, 0.001, `step ${s.t} used the override`);
  }
  assert.equal(run.records.filter((r) => r.kind === 'event' && r.event === 'resumed').length, 1, 'one resumed event: earlier attempts dropped');
});

test('resume --from-step of an older checkpoint gives exactly the uninterrupted run from that step', () => {
  const dir = trainRun('from-step', 5);
  const straight = comparable(readRunFolderSync(dir).records);
  const r = cli(['resume', dir, '--from-step', '10']);
  assert.equal(r.status, 0, r.stderr);
  const again = readRunFolderSync(dir);
  assert.deepEqual(comparable(again.records), straight, 'records after step 10 regenerated bit for bit');
  assert.ok(again.records.some((x) => x.kind === 'event' && x.event === 'resumed' && x.t === 10));
  const missing = cli(['resume', dir, '--from-step', '7']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^error: .* has no checkpoint at step 7; kept checkpoints: step 30, 25, 20, 15, 10, 5\n$/);
});

test('resume refuses keys that cannot change mid-run and bad values with one error line, and changes nothing', () => {
  const dir = trainRun('refused', 10);
  const before = metricsBytes(dir);
  const ckpts = listCheckpoints(dir).map((c) => fs.readFileSync(c.file));
  for (const [args, pattern] of [
    [['--set', 'steps=60'], /^error: resume: "steps" cannot change mid-run; a resumed run may change only optimizer\.lr, optimizer\.eps, .*optimizer\.rho\n$/],
    [['--set', 'optimizer.name=helene'], /^error: resume: "optimizer\.name" cannot change mid-run; a resumed run may change only optimizer\.lr/],
    [['--lr=-1'], /^error: resume: optimizer\.lr -1 is refused: optimizer\.lr must be > 0/],
    [['--from-step', 'ten'], /^error: resume --from-step: expected a step number/],
  ] as const) {
    const r = cli(['resume', dir, ...args]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, pattern);
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  }
  assert.ok(metricsBytes(dir).equals(before), 'metrics.jsonl unchanged');
  assert.deepEqual(listCheckpoints(dir).map((c) => fs.readFileSync(c.file)), ckpts, 'checkpoints unchanged');
});

test('a resume that fails at its first step leaves metrics.jsonl byte-identical (no resumed/checkpoint events pile up)', () => {
  const dir = trainRun('fails-first', 10);
  const before = metricsBytes(dir);
  const ckpts = listCheckpoints(dir).map((c) => fs.readFileSync(c.file));
  for (let i = 0; i < 2; i++) {
    // eps 1e38 perturbs the weights into a non-finite loss on the very first resumed step.
    const r = cli(['resume', dir, '--from-step', '20', '--set', 'optimizer.eps=1e38']);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /error: step 21: non-finite loss/);
    assert.ok(metricsBytes(dir).equals(before), `attempt ${i + 1}: metrics.jsonl byte-identical`);
  }
  assert.deepEqual(listCheckpoints(dir).map((c) => fs.readFileSync(c.file)), ckpts, 'checkpoints unchanged (the resumed one is not marked not good)');
});

test('the Runs view path: the picker offers only good checkpoints, and the supervisor resumes the picked one with another lr', async () => {
  const dir = trainRun('from-view', 1);
  const bad = cli(['resume', dir, '--from-step', '10', '--lr', '1e38']);
  const nanStep = Number(/error: step (\d+): non-finite loss/.exec(bad.stderr)?.[1]);
  // What pickCheckpoint (extension/runs-view/run-commands.ts) lists: the not-good one is left out.
  const offered = describeCheckpoints(dir).filter((c) => c.lossFinite !== false);
  assert.deepEqual(offered.map((c) => c.step), Array.from({ length: nanStep - 2 }, (_, i) => nanStep - 2 - i));
  assert.equal(offered[0].lr, 0.002, 'the lr the picker shows is the checkpoint\'s');
  const resumed = RuntimeProcess.start({ cliPath: CLI, configPath: path.join(dir, 'config.json'), resumeDir: dir, resumeArgs: ['--from-step', '5', '--lr=0.001'] });
  const done = await resumed.exited;
  assert.equal(done.outcome, 'finished', done.message);
  assert.equal(done.summary!.steps, 30);
  assert.ok(Number.isFinite(done.summary!.finalLoss));
  const run = readRunFolderSync(dir);
  assert.equal(run.records.find((r) => r.kind === 'event' && r.event === 'resumed')?.t, 5);
  assert.ok(run.records.filter((r) => r.kind === 'step' && r.t > 5).every((r) => r.kind === 'step' && r.lr === 0.001));
});
