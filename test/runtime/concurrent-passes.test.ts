/**
 * Concurrent passes (runtime/engine/concurrent-passes.ts): the ±eps passes side by side give the same
 * losses bit for bit as the passes in a row — on a classifier, a LoRA causal LM (frozen base weights)
 * and a float16-weight decoder (the Cast after the perturbation) — a whole run computes exactly the
 * same thing, the auto probe decides from what it measured and says so, and a worker that dies
 * mid-pass costs nothing but speed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { readModel } from '../../runtime/onnx/model-io';
import { prepareTrainingGraph, type TrainingGraph } from '../../runtime/onnx/surgery';
import { TrainingEngine, type EngineOptions } from '../../runtime/engine/training-engine';
import type { TrainableLayer } from '../../runtime/optim';
import { loadConfig, parseOverride } from '../../runtime/cli/config-file';
import { Trainer } from '../../runtime/run/trainer';
import { readRunFolderSync } from '../../runtime/run/run-reader';
import type { EventRecord, RunManifest } from '../../runtime/protocol';
import { ENCODER_DIR, GPT_DIR, int64Tensor, LM_FIXTURES, readJson, testValues } from '../unit/lm-helpers';
import { comparable, demoWorkspace, latestCheckpointTensors, tempDir } from './helpers';

const CLI = path.resolve(__dirname, '../../dist/cli.js');

const DYING_WORKER = path.resolve(__dirname, '../fixtures/workers/pass-worker-dies.ts');

interface Case {
  name: string;
  graph: () => TrainingGraph;
  batches: () => Record<string, ort.Tensor>[];
}

const encoderBatch = (rows: number[]) => {
  const e = readJson(path.join(ENCODER_DIR, 'expected.json')).batch;
  return {
    input_ids: int64Tensor(rows.map((r) => e.input_ids[r])),
    attention_mask: int64Tensor(rows.map((r) => e.attention_mask[r])),
    labels: new ort.Tensor('int64', BigInt64Array.from(rows.map((r) => BigInt(r % 2))), [rows.length]),
  };
};
const gptBatch = (rows: number[]) => {
  const e = readJson(path.join(GPT_DIR, 'expected.json')).batch;
  return { input_ids: int64Tensor(rows.map((r) => e.input_ids[r])), attention_mask: int64Tensor(rows.map((r) => e.attention_mask[r])), labels: int64Tensor(rows.map((r) => e.labels[r])) };
};
const llamaBatch = () => {
  const e = readJson(path.join(LM_FIXTURES, 'kv-llama', 'expected.json'));
  return { input_ids: int64Tensor(e.input_ids), attention_mask: int64Tensor(e.attention_mask), labels: int64Tensor(e.input_ids) };
};

const CASES: Case[] = [
  {
    name: 'tiny-encoder (classification, every weight)',
    graph: () => prepareTrainingGraph(readModel(path.join(ENCODER_DIR, 'model.onnx')), { modelName: 'tiny-encoder', trainable: ['.'], loss: { kind: 'classification', logits: 'logits' } }),
    batches: () => [encoderBatch([0, 1, 2]), encoderBatch([1, 2])],
  },
  {
    name: 'tiny-gpt (causal LM, LoRA adapters over frozen weights)',
    graph: () =>
      prepareTrainingGraph(readModel(path.join(GPT_DIR, 'model.onnx')), {
        modelName: 'tiny-gpt',
        trainable: [],
        lora: { rank: 4, alpha: 8, targets: ['attn\\.c_attn\\.weight$', 'c_fc\\.weight$'], alsoTrain: [], seed: 3 },
        loss: { kind: 'causal-lm', logits: 'logits' },
      }),
    batches: () => [gptBatch([0, 1, 2]), gptBatch([2, 0])],
  },
  {
    name: 'kv-llama-fp16 (float16 weights cast after the perturbation)',
    graph: () => prepareTrainingGraph(readModel(path.join(LM_FIXTURES, 'kv-llama-fp16', 'model.onnx')), { modelName: 'kv-llama-fp16', trainable: [], trainablePreset: 'all', loss: { kind: 'causal-lm', logits: 'logits' } }),
    batches: () => [llamaBatch()],
  },
];

function layersOf(graph: TrainingGraph): TrainableLayer[] {
  return graph.trainables.map((t, i) => ({ name: t.name, shape: t.shape, size: t.size, rank: t.rank, theta: Float32Array.from(t.initial), dir: testValues(t.size, 17 + i, 1) }));
}

async function engineFor(graph: TrainingGraph, layers: TrainableLayer[], options: Partial<EngineOptions>): Promise<TrainingEngine> {
  const byName = new Map(graph.trainables.map((t) => [t.name, t]));
  return TrainingEngine.create(
    { model: graph.bytes, lossOutput: graph.lossOutput, scaleInput: graph.scaleInput, thetaInput: (n) => byName.get(n)!.thetaInput, dirInput: (n) => byName.get(n)!.dirInput },
    layers,
    { provider: 'cpu', threads: 2, kernelThreads: 0, profileDir: tempDir('concurrent'), ...options },
  );
}

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

for (const c of CASES) {
  test(`${c.name}: the concurrent ±eps pair equals the passes in a row, bit for bit, as theta and the batch change`, async () => {
    const graph = c.graph();
    const layers = layersOf(graph);
    const inRow = await engineFor(graph, layers, { concurrentPasses: 'off' });
    const concurrent = await engineFor(graph, layers, { concurrentPasses: 'on' });
    try {
      assert.equal(concurrent.info.concurrentPasses?.used, true, concurrent.info.concurrentPasses?.reason);
      assert.deepEqual(concurrent.info.concurrentPasses?.threads, [1, 1]);
      assert.equal(inRow.info.concurrentPasses?.used, false);
      let compared = 0;
      for (const [k, feeds] of c.batches().entries()) {
        inRow.setBatch(feeds);
        concurrent.setBatch(feeds);
        for (const eps of [1e-3, 1e-2]) {
          const { plus, minus, concurrent: inRowSideBySide } = await inRow.lossPair(eps);
          const { plus: cPlus, minus: cMinus, concurrent: sideBySide } = await concurrent.lossPair(eps);
          assert.deepEqual([inRowSideBySide, sideBySide], [false, true], 'each pair says how it ran');
          assert.ok(bits(cPlus).equals(bits(plus)), `batch ${k}, eps ${eps}: +eps losses ${cPlus} vs ${plus}`);
          assert.ok(bits(cMinus).equals(bits(minus)), `batch ${k}, eps ${eps}: −eps losses ${cMinus} vs ${minus}`);
          assert.notDeepEqual(plus, minus, 'the two passes really are at different weights');
          compared++;
          // An update between pairs: the worker must see the new theta (it is perturbed afresh each pass).
          for (const l of layers) for (let j = 0; j < l.size; j += 3) l.theta[j] -= 1e-3 * l.dir[j];
        }
      }
      assert.equal(compared, 2 * c.batches().length);
    } finally {
      await inRow.release();
      await concurrent.release();
    }
  });
}

test('a worker that dies mid-pass: that pair and the rest run in a row, with the same losses, and the engine says why', async () => {
  const graph = CASES[0]!.graph();
  const layers = layersOf(graph);
  const inRow = await engineFor(graph, layers, { concurrentPasses: 'off' });
  const concurrent = await engineFor(graph, layers, { concurrentPasses: 'on', passWorkerPath: DYING_WORKER });
  const changes: string[] = [];
  concurrent.onConcurrentPassesChange = (info) => changes.push(info.reason);
  try {
    const feeds = encoderBatch([0, 1, 2]);
    inRow.setBatch(feeds);
    concurrent.setBatch(feeds);
    for (let pair = 1; pair <= 5; pair++) {
      const { plus, minus } = await inRow.lossPair(1e-3);
      const { plus: cPlus, minus: cMinus } = await concurrent.lossPair(1e-3);
      assert.ok(bits(cPlus).equals(bits(plus)) && bits(cMinus).equals(bits(minus)), `pair ${pair}: same losses`);
      assert.equal(concurrent.concurrent, pair < 3, `pair ${pair}: concurrent until the worker died at its third pass`);
    }
    assert.equal(concurrent.info.concurrentPasses?.used, false);
    assert.match(concurrent.info.concurrentPasses!.reason, /exited \(code 7\).*one after the other/);
    assert.equal(changes.length, 1, 'one change reported');
  } finally {
    await inRow.release();
    await concurrent.release();
  }
});

const HELENE_30 = ['steps=30', 'evalEvery=10', 'statsEvery=5', 'optimizer.name="helene"', 'optimizer.lr=0.01', 'optimizer.rho=1'];

async function encoderRun(runsDir: string, runId: string, mode: 'on' | 'off' | 'auto', run: string[] = HELENE_30) {
  const overrides = [`output.runsDir=${JSON.stringify(runsDir)}`, `output.runId="${runId}"`, 'checkpoint.every=0', ...run, 'engine.provider="cpu"', 'engine.threads=2', `engine.concurrentPasses="${mode}"`];
  const { config } = loadConfig(path.join(ENCODER_DIR, 'finetune-head.json'), overrides.map(parseOverride));
  const trainer = await Trainer.create(config, {}, {});
  try {
    await trainer.run();
  } finally {
    await trainer.close();
  }
  return trainer.runDir;
}

test('a HELENE run with concurrent passes computes exactly what it computes with them off', async () => {
  const runs = tempDir('concurrent-run');
  const off = await encoderRun(runs, 'off', 'off');
  const on = await encoderRun(runs, 'on', 'on');
  const manifest = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')) as RunManifest;
  assert.equal(manifest(on).engine.concurrentPasses?.used, true, manifest(on).engine.concurrentPasses?.reason);
  assert.equal(manifest(off).engine.concurrentPasses?.used, false);
  assert.deepEqual(comparable(readRunFolderSync(on).records), comparable(readRunFolderSync(off).records), 'losses, c, statistics and evaluations are bit-identical');
  assert.deepEqual(latestCheckpointTensors(on), latestCheckpointTensors(off), 'weights and optimizer state are bit-identical');
});

test('auto times both ways over the first pairs, keeps the faster, and run.json and an event say what it measured', async () => {
  const runs = tempDir('concurrent-auto');
  // 200 steps: auto leaves shorter runs alone (the worker's start would not pay back).
  const dir = await encoderRun(runs, 'auto', 'auto', ['steps=200', 'evalEvery=0', 'statsEvery=0', 'optimizer.name="mezo"', 'optimizer.lr=1e-4']);
  const info = (JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')) as RunManifest).engine.concurrentPasses!;
  assert.equal(info.requested, 'auto');
  const m = /measured over 6 pairs each: ([\d.]+) ms at the same time, ([\d.]+) ms one after the other/.exec(info.reason);
  assert.ok(m, `the reason gives the measurement: ${info.reason}`);
  assert.equal(info.used, Number(m[1]) < Number(m[2]), `the faster way is kept (${info.reason})`);
  const events = readRunFolderSync(dir).records.filter((r): r is EventRecord => r.kind === 'event' && r.event === 'engine');
  assert.equal(events.length, 1, 'one engine event');
  assert.ok(events[0]!.t >= 12 && events[0]!.t <= 16, `decided after 2 + 6 pairs of each (step ${events[0]!.t})`);
});

test('the built CLI (dist/cli.js) starts its bundled worker (dist/pass-worker.js) and trains with it', () => {
  const runs = tempDir('concurrent-cli');
  const r = spawnSync(process.execPath, [CLI, 'train', '--config', demoWorkspace().configs.mezo, '--steps', '50', '--runs-dir', runs, '--run-id', 'c', '--set', 'engine.concurrentPasses="on"', '--set', 'engine.provider="cpu"', '--set', 'engine.threads=2'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const info = (JSON.parse(fs.readFileSync(path.join(runs, 'c', 'run.json'), 'utf8')) as RunManifest).engine.concurrentPasses!;
  assert.equal(info.used, true, info.reason);
  assert.deepEqual(info.threads, [1, 1]);
});

test('the CLI says what auto chose at the start and, after the first pairs, what it measured and kept', () => {
  const runs = tempDir('concurrent-cli-auto');
  const r = spawnSync(process.execPath, [CLI, 'train', '--config', path.join(ENCODER_DIR, 'finetune-head.json'), '--steps', '220', '--runs-dir', runs, '--set', 'engine.provider="cpu"', '--set', 'engine.threads=2', '--set', 'data.eval=null', '--set', 'evalEvery=0'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^.+?: automatic: engine\.concurrentPasses auto -> on for the first pairs, which alternate with the passes in a row; the faster is kept \(auto: \d+ trainable elements on the CPU/m);
  assert.match(r.stdout, /concurrent passes (kept|off): .*measured over 6 pairs each: [\d.]+ ms at the same time, [\d.]+ ms one after the other/);
});
