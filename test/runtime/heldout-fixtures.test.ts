/**
 * The held-out protocol's new fixtures and every suite task (bench/convergence/split.ts): the new
 * encoder's and decoder's ONNX outputs equal PyTorch's, the encoder's tokenizer gives the ids the
 * fixture script gave, and every task of the split — tuning and held out — builds a config that the
 * real Trainer runs (a few steps each), so `npm run bench:convergence -- --heldout` cannot fail on
 * a task's setup after an hour of other tasks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { readModel } from '../../runtime/onnx/model-io';
import { prepareTrainingGraph } from '../../runtime/onnx/surgery';
import { findTokenizerFiles, loadTokenizer } from '../../runtime/data/text/tokenizer';
import { classificationLossFromLogits, int64Tensor, int64Vector, LM_FIXTURES, maxAbsDiff, readJson, runTrainingGraph, causalLossFromLogits } from '../unit/lm-helpers';
import { SUITE } from '../../bench/convergence/split';
import { runOne } from '../../bench/convergence/run-one';
import { tempDir } from './helpers';

const ENCODER = path.join(LM_FIXTURES, 'gcide-encoder');
const GPT = path.join(LM_FIXTURES, 'gcide-gpt');

test('gcide-encoder: ONNX Runtime logits equal PyTorch, the tokenizer gives the script ids, 4 classes', async () => {
  const e = readJson(path.join(ENCODER, 'expected.json'));
  assert.deepEqual(e.labels, ['noun', 'verb', 'adjective', 'adverb']);
  const tok = loadTokenizer(findTokenizerFiles(ENCODER, 'test'));
  e.batch.texts.forEach((text: string, i: number) => {
    const ids = e.batch.input_ids[i].filter((_: number, j: number) => e.batch.attention_mask[i][j] === 1);
    assert.deepEqual(tok.encodeWithSpecials(text, e.maxLength), ids, text);
  });
  const graph = prepareTrainingGraph(readModel(path.join(ENCODER, 'model.onnx')), { modelName: 'gcide-encoder', trainable: [], trainablePreset: 'all', loss: { kind: 'classification', logits: 'logits' }, extraOutputs: ['logits'] });
  const labels = [0, 1, 3];
  const out = await runTrainingGraph(graph, { input_ids: int64Tensor(e.batch.input_ids), attention_mask: int64Tensor(e.batch.attention_mask), labels: int64Vector(labels) });
  assert.ok(maxAbsDiff(out.logits.data as Float32Array, e.batch.logits.flat()) < 1e-4, 'ONNX Runtime logits = PyTorch logits');
  assert.ok(maxAbsDiff(out.loss.data as Float32Array, classificationLossFromLogits(out.logits.data as Float32Array, 4, labels)) < 1e-5);
});

test('gcide-gpt: the appended causal-LM loss equals PyTorch', async () => {
  const e = readJson(path.join(GPT, 'expected.json'));
  const graph = prepareTrainingGraph(readModel(path.join(GPT, 'model.onnx')), { modelName: 'gcide-gpt', trainable: [], trainablePreset: 'all', loss: { kind: 'causal-lm', logits: 'logits' }, extraOutputs: ['logits'] });
  const out = await runTrainingGraph(graph, { input_ids: int64Tensor(e.batch.input_ids), attention_mask: int64Tensor(e.batch.attention_mask), labels: int64Tensor(e.batch.labels) });
  assert.ok(maxAbsDiff(out.loss.data as Float32Array, causalLossFromLogits(out.logits.data as Float32Array, out.logits.dims, e.batch.labels)) < 1e-5);
  assert.ok(maxAbsDiff(out.loss.data as Float32Array, e.batch.losses) < 1e-4, 'graph loss = PyTorch loss');
});

test('every suite task (tuning and held out) trains through the real Trainer', async () => {
  const dir = tempDir('suite-tasks-');
  for (const spec of SUITE) {
    const task = spec.make(dir, { steps: 4 });
    const run = await runOne(task, 'mezo', { name: 'mezo' }, 1e-4, 1, path.join(dir, 'runs'));
    assert.equal(run.diverged, undefined, `${spec.name}: ${run.diverged}`);
    assert.ok(run.evals.length >= 2 && run.evals.every((e) => Number.isFinite(e.loss)), `${spec.name}: evaluations before and after`);
    assert.equal(run.evals.at(-1)!.trainingPasses, 8, `${spec.name}: 4 steps x 2 training passes`);
  }
});

test('a probe of the lr rule is the full run stopped early: the same evaluations up to its last step', async () => {
  const dir = tempDir('suite-probe-');
  const task = SUITE.find((s) => s.name === 'least-squares-wide')!.make(dir, { steps: 120 }); // eval every 3 steps
  const probe = await runOne(task, 'mezo', { name: 'mezo' }, 1e-4, 1, path.join(dir, 'runs'), { stopAt: 12 });
  assert.deepEqual(probe.evals.map((e) => e.t), [0, 3, 6, 9, 12]);
  const full = await runOne(task, 'mezo', { name: 'mezo' }, 1e-4, 1, path.join(dir, 'runs'));
  assert.deepEqual(probe.evals, full.evals.slice(0, 5));
  assert.equal(full.evals.at(-1)!.t, 120);
});
