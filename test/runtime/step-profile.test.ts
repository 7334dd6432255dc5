/**
 * The step profiler (train --profile): profile.json has every row, the rows add up to the measured
 * step time, the CLI prints the table, and profiling never changes what the run computes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig, parseOverride } from '../../runtime/cli/config-file';
import type { StepProfile } from '../../runtime/protocol';
import { readRunFolderSync } from '../../runtime/run/run-reader';
import { Trainer } from '../../runtime/run/trainer';
import { concurrentPairRowName, forwardRowName, PROFILE_ROWS, warmupStepsFor } from '../../runtime/run/step-profiler';
import { comparable, demoWorkspace, latestCheckpointTensors, tempDir } from './helpers';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
const ENCODER = path.resolve(__dirname, '../fixtures/lm/tiny-encoder/finetune-head.json');
const STEPS = 40;

async function encoderRun(runsDir: string, runId: string, profile: boolean) {
  // HELENE with statistics, evaluation and checkpoints inside the profiled steps: every row is exercised.
  const overrides = [`output.runsDir=${JSON.stringify(runsDir)}`, `output.runId="${runId}"`, `steps=${STEPS}`, 'evalEvery=20', 'statsEvery=10', 'checkpoint.every=15', 'optimizer.name="helene"', 'optimizer.lr=0.01', 'optimizer.rho=1'];
  const { config } = loadConfig(ENCODER, overrides.map(parseOverride));
  const trainer = await Trainer.create(config, {}, { profile });
  try {
    await trainer.run();
    return { dir: trainer.runDir, passes: trainer.manifest.optimizer.forwardPassesPerStep, concurrent: trainer.manifest.engine.concurrentPasses?.used ?? false, profile: trainer.profile };
  } finally {
    await trainer.close();
  }
}

test('a --profile run writes profile.json with every row, and its rows add up to the step time', async () => {
  const runs = tempDir('profile');
  const run = await encoderRun(runs, 'profiled', true);
  const file = path.join(run.dir, 'profile.json');
  assert.ok(fs.existsSync(file), 'profile.json is in the run folder');
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as StepProfile;
  assert.deepEqual(profile, run.profile, 'the file holds what the trainer reports');
  assert.equal(profile.format, 'helene-profile');
  assert.equal(profile.optimizer, 'helene');
  assert.equal(profile.warmupSteps, warmupStepsFor(STEPS));
  assert.equal(profile.profiledSteps, STEPS - warmupStepsFor(STEPS));

  assert.ok(profile.cpuMsPerStep > 0, `CPU time per step measured (${profile.cpuMsPerStep} ms)`);
  const names = profile.rows.map((r) => r.name);
  // HELENE's two passes: one row each, or one row for the pair when they ran at the same time.
  assert.equal(run.passes, 2);
  const forwards = run.concurrent ? [concurrentPairRowName(1)] : [forwardRowName(1), forwardRowName(2)];
  for (const name of [...Object.values(PROFILE_ROWS), ...forwards]) assert.ok(names.includes(name), `row "${name}" is present (rows: ${names.join(', ')})`);
  assert.equal(names.filter((n) => n.startsWith('forward pass')).length, forwards.length, 'one row per forward pass of the step, or per concurrent pair');

  const sum = profile.rows.reduce((a, r) => a + r.meanMs, 0);
  assert.ok(Math.abs(sum - profile.step.meanMs) <= 1e-6 * profile.step.meanMs, `rows sum to ${sum} ms, the step is ${profile.step.meanMs} ms`);
  const shares = profile.rows.reduce((a, r) => a + r.share, 0);
  assert.ok(Math.abs(shares - 1) < 1e-9, `shares sum to ${shares}`);
  // The named parts are really timed (not all lumped into "unaccounted").
  const row = (name: string) => profile.rows.find((r) => r.name === name)!;
  const forwardMs = forwards.reduce((a, n) => a + row(n).meanMs, 0);
  assert.ok(forwardMs > 0.5 * profile.step.meanMs, `the forward passes dominate a step of this encoder (${forwardMs} of ${profile.step.meanMs} ms)`);
  for (const key of ['evaluation', 'statistics', 'io', 'data', 'update'] as const) assert.ok(row(PROFILE_ROWS[key]).meanMs > 0, `${PROFILE_ROWS[key]} was timed`);
  assert.ok(row(PROFILE_ROWS.unaccounted).meanMs < 0.05 * profile.step.meanMs, `little is unaccounted (${row(PROFILE_ROWS.unaccounted).meanMs} ms)`);
  for (const r of profile.rows) assert.ok(r.p50Ms <= r.p95Ms + 1e-12 && r.meanMs >= 0, `${r.name}: p50 ${r.p50Ms} <= p95 ${r.p95Ms}`);
  assert.ok(profile.meanSequenceWidth !== null && profile.meanSequenceWidth >= 2 && profile.meanSequenceWidth <= 64, `text data reports its sequence width (${profile.meanSequenceWidth})`);

  // Profiling only reads clocks: the unprofiled run computes exactly the same thing.
  const plain = await encoderRun(runs, 'plain', false);
  assert.ok(!fs.existsSync(path.join(plain.dir, 'profile.json')), 'no profile.json without --profile');
  assert.deepEqual(comparable(readRunFolderSync(run.dir).records), comparable(readRunFolderSync(plain.dir).records), 'metrics (losses, c, stats, evals) are bit-identical');
  assert.deepEqual(latestCheckpointTensors(run.dir), latestCheckpointTensors(plain.dir), 'weights and optimizer state are bit-identical');
});

test('train --profile prints the profile table at the end and writes profile.json', () => {
  const runs = tempDir('profile-cli');
  const r = spawnSync(process.execPath, [CLI, 'train', '--config', demoWorkspace().configs.mezo, '--steps', '300', '--runs-dir', runs, '--run-id', 'p', '--profile'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /step profile: mezo, /);
  const pair = /^forward passes 1\+2 \(concurrent\)/m.test(r.stdout);
  const forwards = pair ? ['forward passes 1\\+2 \\(concurrent\\)'] : ['forward pass 1', 'forward pass 2'];
  for (const name of [...forwards, 'z generation', 'update', 'unaccounted', 'step \\(total\\)']) assert.match(r.stdout, new RegExp(`^${name} +\\d+\\.\\d\\d +\\d+\\.\\d\\d +\\d+\\.\\d\\d`, 'm'));
  const profile = JSON.parse(fs.readFileSync(path.join(runs, 'p', 'profile.json'), 'utf8')) as StepProfile;
  assert.equal(profile.profiledSteps, 300 - warmupStepsFor(300));
  assert.equal(profile.meanSequenceWidth, null, 'numeric data has no sequence width');
});
