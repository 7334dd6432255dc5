/**
 * End-to-end runs of the trainer on the demo task: the loss falls, the run folder is complete and
 * readable, accounting is right per optimizer, the RNG is thread-count independent end to end, and
 * controls (pause, resume, hyperparameters, stop) apply at step boundaries and are recorded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Trainer } from '../../runtime/run/trainer';
import { readRunFolderSync } from '../../runtime/run/run-reader';
import type { EvalRecord, LayerStatsRecord, StepRecord } from '../../runtime/protocol';
import * as os from 'node:os';
import { demoConfig } from './helpers';
import { loadConfig, parseOverride } from '../../runtime/cli/config-file';
import { ENCODER_DIR } from '../unit/lm-helpers';
import { SeededDirections } from '../../runtime/run/seeded-directions';
import { KernelPool, seedFromConfig } from '../../runtime/rng';
import type { TrainableLayer } from '../../runtime/optim/optimizer';

test('a short HELENE run on the demo task lowers the eval loss and writes a complete run folder', async () => {
  const config = demoConfig('helene', ['steps=300', 'evalEvery=100', 'statsEvery=50']);
  const trainer = await Trainer.create(config);
  const summary = await trainer.run();
  await trainer.close();
  const run = readRunFolderSync(trainer.runDir);
  const evals = run.records.filter((r): r is EvalRecord => r.kind === 'eval');
  assert.equal(evals[0].t, 0, 'an evaluation before training');
  assert.ok(evals.at(-1)!.loss < evals[0].loss - 0.2, `eval loss should fall: ${evals[0].loss} → ${evals.at(-1)!.loss}`);
  assert.equal(summary.state, 'finished');
  assert.equal(run.status?.state, 'finished');
  assert.equal(run.summary?.steps, 300);
  assert.equal(run.manifest?.config.optimizer.beta2, 0.99, 'resolved config has defaults filled in');
  assert.equal(run.manifest?.engine.provider, 'cpu');
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(trainer.runDir, 'config.json'), 'utf8')), run.manifest?.config);
  assert.ok(!fs.existsSync(path.join(trainer.runDir, 'run.lock')), 'lock released');
  const steps = run.records.filter((r): r is StepRecord => r.kind === 'step');
  assert.equal(steps.length, 300);
  assert.equal(steps.at(-1)!.forwardPasses, 2 * 300 + (evals.length - 1) * 16, 'two passes per step plus eval batches before the last eval');
  for (const s of steps.slice(0, 3)) {
    assert.ok(s.alpha! > 0.9 && s.alpha! <= 1, 'alpha_t logged');
    assert.ok(s.timing.forwardMs > 0 && s.timing.totalMs >= s.timing.forwardMs, 'timing split');
    assert.ok(s.examplesPerSec > 0);
  }
  const layerRecords = run.records.filter((r): r is LayerStatsRecord => r.kind === 'layers');
  assert.deepEqual(layerRecords.map((r) => r.t), [1, 50, 100, 150, 200, 250, 300]);
  const stat = layerRecords.at(-1)!.layers.find((l) => l.name === 'fc1.weight')!;
  assert.equal(stat.size, 24 * 16);
  for (const key of ['hMean', 'hMin', 'hMax', 'hMedian', 'lambda', 'floorFraction', 'effectiveStep', 'mRms', 'updateRms', 'thetaRms', 'updateToWeight'] as const) {
    assert.ok(Number.isFinite(stat[key]), `${key} is reported`);
  }
  assert.ok(stat.hMin! <= stat.hMedian! && stat.hMedian! <= stat.hMax!);
});

test('each optimizer counts its forward passes (MeZO/HELENE/ZO-Adam/Sign/momentum 2, HiZOO 3, FZOO N+1, Cons 5)', async () => {
  for (const [name, perStep] of [['mezo', 2], ['helene', 2], ['zo-adam', 2], ['hizoo', 3], ['fzoo', 5], ['zo-sgd-sign', 2], ['zo-sgd-momentum', 2], ['zo-sgd-cons', 5]] as const) {
    const config = demoConfig('mezo', ['steps=10', 'evalEvery=0', `optimizer.name="${name}"`, ...(name === 'fzoo' ? ['optimizer.directions=4'] : [])]);
    config.data.eval = null;
    const trainer = await Trainer.create(config);
    const summary = await trainer.run();
    await trainer.close();
    assert.equal(summary.forwardPasses, 10 * perStep, name);
    assert.equal(trainer.manifest.optimizer.forwardPassesPerStep, perStep, name);
    // Every step record carries the accounting a chart can use as its x axis.
    const stepRecords = readRunFolderSync(trainer.runDir).records.filter((r): r is StepRecord => r.kind === 'step');
    assert.deepEqual(stepRecords.map((r) => r.forwardPasses), stepRecords.map((r) => r.t * perStep), `${name}: cumulative passes per step`);
    assert.ok(stepRecords.every((r) => r.examples === r.t * config.data.batchSize && r.wallMs > 0), `${name}: examples and wall time`);
  }
});

test('z is independent of the number of kernel threads: identical losses and weights with 0 and 2 workers', async () => {
  const results = [];
  for (const kernelThreads of [0, 2]) {
    const config = demoConfig('helene', ['steps=20', 'evalEvery=0', `engine.kernelThreads=${kernelThreads}`]);
    config.data.eval = null;
    const trainer = await Trainer.create(config);
    await trainer.run();
    await trainer.close();
    const losses = readRunFolderSync(trainer.runDir).records.filter((r): r is StepRecord => r.kind === 'step').map((r) => r.loss);
    results.push({ losses, theta: trainer.trainables.map((l) => Array.from(l.theta)) });
  }
  assert.deepEqual(results[1].losses, results[0].losses);
  assert.deepEqual(results[1].theta, results[0].theta);
});

test('z by groups of layers on the kernel workers, the next step\'s started during the update: the same run bit for bit as inline z (tiny encoder, every weight, MeZO and HELENE)', async () => {
  const runs = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-zgroups-'));
  for (const optimizer of ['mezo', 'helene'] as const) {
    const results = [];
    for (const kernelThreads of [0, 2]) {
      const overrides = [`output.runsDir=${JSON.stringify(runs)}`, `output.runId="${optimizer}-${kernelThreads}"`, 'steps=12', 'evalEvery=0', 'checkpoint.every=0', 'model.trainablePreset="all"', `optimizer.name="${optimizer}"`, 'optimizer.lr=1e-4', `engine.kernelThreads=${kernelThreads}`];
      const { config } = loadConfig(path.join(ENCODER_DIR, 'finetune-head.json'), overrides.map(parseOverride));
      const trainer = await Trainer.create(config);
      assert.ok(trainer.manifest.model.trainableElements > 65536, 'enough elements for the grouped fill');
      await trainer.run();
      await trainer.close();
      const losses = readRunFolderSync(trainer.runDir).records.filter((r): r is StepRecord => r.kind === 'step').map((r) => r.loss);
      results.push({ losses, theta: trainer.trainables.map((l) => Buffer.from(l.theta.buffer, l.theta.byteOffset, l.theta.byteLength).toString('hex')) });
    }
    assert.equal(results[0]!.losses.length, 12);
    assert.deepEqual(results[1]!.losses, results[0]!.losses, optimizer);
    assert.deepEqual(results[1]!.theta, results[0]!.theta, optimizer);
  }
});

test("z prefetched on a worker during the previous step's forwards gives the same run bit for bit (MeZO, HELENE; prefetch on and off)", async () => {
  for (const optimizer of ['mezo', 'helene'] as const) {
    const results = [];
    for (const prefetch of ['off', 'on']) {
      const config = demoConfig(optimizer, ['steps=20', 'evalEvery=0', `engine.prefetchDirections="${prefetch}"`]);
      config.data.eval = null;
      const trainer = await Trainer.create(config);
      await trainer.run();
      await trainer.close();
      assert.equal(trainer.manifest.engine.prefetchDirections, prefetch === 'on', 'the manifest says whether z was prefetched');
      const losses = readRunFolderSync(trainer.runDir).records.filter((r): r is StepRecord => r.kind === 'step').map((r) => r.loss);
      results.push({ losses, theta: trainer.trainables.map((l) => Buffer.from(l.theta.buffer, l.theta.byteOffset, l.theta.byteLength).toString('hex')) });
    }
    assert.deepEqual(results[1].losses, results[0].losses, optimizer);
    assert.deepEqual(results[1].theta, results[0].theta, optimizer);
  }
});

test('pause, hyperparameter change, resume and stop apply at step boundaries and are recorded', async () => {
  const config = demoConfig('mezo', ['steps=100000', 'evalEvery=0']);
  config.data.eval = null;
  let trainer: Trainer;
  let paused = false;
  trainer = await Trainer.create(config, {
    record(r) {
      if (r.kind === 'step' && r.t === 5) trainer.pause();
      if (r.kind === 'event' && r.event === 'paused' && !paused) {
        paused = true;
        // While paused: change lr, then resume; stop a few steps later.
        setTimeout(() => {
          trainer.setHyperparameters({ lr: 0.0005 });
          trainer.resume();
        }, 20);
      }
      if (r.kind === 'step' && r.t === 12) trainer.stop();
    },
  });
  const summary = await trainer.run();
  await trainer.close();
  const run = readRunFolderSync(trainer.runDir);
  const events = run.records.filter((r) => r.kind === 'event').map((r) => (r.kind === 'event' ? `${r.event}@${r.t}` : ''));
  assert.deepEqual(events.filter((e) => !e.startsWith('provider')), ['started@0', 'paused@5', 'hyperparameters@5', 'resumed@5', 'stop-requested@12', 'checkpoint@12', 'stopped@12'], 'a stop writes a checkpoint');
  const steps = run.records.filter((r): r is StepRecord => r.kind === 'step');
  assert.equal(steps.find((s) => s.t === 5)!.lr, 0.002);
  assert.equal(steps.find((s) => s.t === 6)!.lr, 0.0005, 'the new lr applies from the next step');
  assert.equal(summary.state, 'stopped');
  assert.equal(run.status?.state, 'stopped');
  assert.equal(run.manifest?.config.optimizer.lr, 0.002, 'the saved config keeps the configured lr; the change lives in the event');
});

test('the run direction source gives the same z and u inline and through 2 or 3 worker threads', async () => {
  const layers = (): TrainableLayer[] =>
    [5000, 70000, 3].map((size, i) => ({ name: `l${i}`, shape: [size], size, rank: 1, theta: new Float32Array(size), dir: new Float32Array(size) }));
  const fills: Float32Array[][] = [];
  for (const threads of [0, 2, 3]) {
    const pool = new KernelPool(threads, { minParallelElements: 64 });
    const source = new SeededDirections(seedFromConfig(42), pool, 64);
    const ls = layers();
    await source.normal(7, ls);
    const z = ls.map((l) => Float32Array.from(l.dir));
    await source.rademacher(7, 3, ls);
    fills.push([...z, ...ls.map((l) => Float32Array.from(l.dir))]);
    await pool.close();
  }
  assert.deepEqual(fills[1], fills[0]);
  assert.deepEqual(fills[2], fills[0]);
  assert.notDeepEqual(fills[0][0], fills[0][3], 'z and u differ');
});
