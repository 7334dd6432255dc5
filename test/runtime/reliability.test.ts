/**
 * The bad-input catalogue, for the cases that happen mid-run: each gives a clear message naming
 * what and where, and loses nothing already saved (metrics, previous checkpoints).
 * (Start-up cases — config, dataset lines, ONNX files, provider — are in config.test.ts,
 * data.test.ts, onnx-*.test.ts, provider.test.ts and cli.test.ts; docs/reliability.md lists all.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Trainer } from '../../runtime/run/trainer';
import { readRunFolderSync } from '../../runtime/run/run-reader';
import { listCheckpoints, loadLatestCheckpoint } from '../../runtime/run/checkpoint';
import { RunFolderError, RunFolderWriter } from '../../runtime/run/run-folder';
import { ConfigError, resolveConfig, type ResolvedConfig } from '../../runtime/protocol';
import { GraphBuilder } from '../../runtime/onnx/graph-builder';
import { makeShapeTensor } from '../../runtime/onnx/tensor-data';
import { writeModel } from '../../runtime/onnx/model-io';
import { demoConfig, tempDir } from './helpers';

/**
 * A model whose per-example loss is sqrt(x · w): finite while x · w >= 0, NaN for the one example
 * with x = −1. With shuffling off and B = 32, that example lands in step `poisonStep`.
 */
function sqrtModelWorkspace(poisonStep: number, steps: number): ResolvedConfig {
  const dir = tempDir('poison');
  const b = new GraphBuilder({ graphName: 'sqrt_loss' });
  b.input('x', 'float', ['batch', 1]);
  b.floatInitializer('w', [1], [1]);
  b.initializer(makeShapeTensor('flat', [-1]));
  const product = b.op('Mul', ['x', 'w'], [], 'product');
  const flat = b.op('Reshape', [product, 'flat'], [], 'flat_product');
  b.op('Sqrt', [flat], [], 'loss');
  b.output('loss', 'float', ['batch']);
  writeModel(b.build(), path.join(dir, 'sqrt.onnx'));
  const lines = Array.from({ length: 32 * steps }, (_, i) => JSON.stringify({ x: [i === 32 * (poisonStep - 1) + 5 ? -1 : 1 + (i % 7) / 10] }));
  fs.writeFileSync(path.join(dir, 'train.jsonl'), lines.join('\n') + '\n');
  return resolveConfig({
    steps,
    evalEvery: 0,
    model: { path: path.join(dir, 'sqrt.onnx'), trainable: ['^w$'], task: 'loss-output' },
    data: { train: path.join(dir, 'train.jsonl'), fields: { x: 'x' }, batchSize: 32, shuffle: false },
    optimizer: { name: 'mezo', lr: 0.002 },
    checkpoint: { every: 10 },
    output: { runsDir: tempDir('poison-runs') },
  }).config;
}

test('a NaN loss stops the run with the step and a suggested lr; metrics and checkpoints stay finite and intact', async () => {
  const config = sqrtModelWorkspace(21, 100);
  const trainer = await Trainer.create(config);
  await assert.rejects(trainer.run(), /step 21: non-finite loss \(NaN\); the run stopped before the update\. Try optimizer\.lr = 0\.0002/);
  await trainer.close();
  const run = readRunFolderSync(trainer.runDir);
  assert.equal(run.status?.state, 'failed');
  assert.match(run.status?.error ?? '', /step 21/);
  assert.equal(run.records.filter((r) => r.kind === 'step').length, 20, 'the 20 good steps are all in metrics.jsonl');
  const ckpt = loadLatestCheckpoint(trainer.runDir)!;
  assert.equal(ckpt.data.counters.step, 20, 'the last good state is checkpointed');
  for (const [name, t] of ckpt.data.tensors) assert.ok(t.every(Number.isFinite), `${name} finite`);
  assert.ok(trainer.trainables.every((l) => l.theta.every(Number.isFinite)), 'weights never saw the NaN');
});

test('onNonFinite "skip" skips the poisoned step, counts it and trains on', async () => {
  const config = sqrtModelWorkspace(21, 40);
  config.onNonFinite = 'skip';
  const trainer = await Trainer.create(config);
  const summary = await trainer.run();
  await trainer.close();
  assert.equal(summary.state, 'finished');
  assert.equal(summary.skippedSteps, 1);
  const events = readRunFolderSync(trainer.runDir).records.filter((r) => r.kind === 'event' && r.event === 'guard');
  assert.equal(events.length, 1);
  assert.match((events[0] as { message: string }).message, /step 21: non-finite loss/);
});

test('two runs pointed at one run folder: the second is refused while the first lives', () => {
  const runs = tempDir('lock');
  const first = RunFolderWriter.create(runs, 'shared');
  assert.throws(() => RunFolderWriter.create(runs, 'shared'), (e: Error) => e instanceof RunFolderError && /run folder .*shared is in use by another run \(pid \d+\); choose another output\.runId/.test(e.message));
  assert.throws(() => RunFolderWriter.reopen(path.join(runs, 'shared')), /not a run folder|in use/, 'resume is refused too');
  first.close();
  // A stale lock of a dead process does not block.
  fs.writeFileSync(path.join(runs, 'shared', 'run.lock'), '999999999');
  RunFolderWriter.create(runs, 'shared').close();
});

test('a run id cannot escape the runs folder', () => {
  assert.throws(
    () => resolveConfig({ model: { path: 'm.onnx' }, data: { train: 't' }, output: { runId: '../../etc' } }),
    (e: Error) => e instanceof ConfigError && /output\.runId: must be a plain folder name/.test(e.message),
  );
});
