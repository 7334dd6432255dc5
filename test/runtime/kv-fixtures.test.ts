/**
 * The fixtures with real exporters' shapes (scripts/fixtures/make_kv_decoders.py): a GPT-2-style and
 * a Llama-style decoder with position_ids, past_key_values.N.* inputs, present.N.* outputs and tied
 * embeddings, and an encoder with token_type_ids. The runtime takes them as exported: the cache and
 * positions are made in the graph, the tie trains as one tensor, and train + export work through
 * the CLI.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import * as ort from 'onnxruntime-node';
import { readModel, tensorToFloat32, writeModel } from '../../runtime/onnx/model-io';
import { prepareTrainingGraph } from '../../runtime/onnx/surgery';
import { loadLatestCheckpoint } from '../../runtime/run/checkpoint';
import { int64Tensor, readJson } from '../unit/lm-helpers';
import { tempDir } from './helpers';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
const LM = path.resolve(__dirname, '../fixtures/lm');
const DECODERS = [
  { name: 'kv-gpt2', embedding: 'wte.weight', layers: 2, kvHeads: 4 },
  { name: 'kv-llama', embedding: 'embed_tokens.weight', layers: 2, kvHeads: 2 },
] as const;

/** The exported model's own signature, fed as a generation step with an empty cache. */
async function runWithEmptyCache(file: string, ids: number[][], mask: number[][], kvHeads: number, layers: number): Promise<ort.Tensor> {
  const session = await ort.InferenceSession.create(file);
  const feeds: Record<string, ort.Tensor> = { input_ids: int64Tensor(ids), attention_mask: int64Tensor(mask), position_ids: int64Tensor(ids.map((row) => row.map((_, i) => i))) };
  for (let l = 0; l < layers; l++) for (const kv of ['key', 'value']) feeds[`past_key_values.${l}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [ids.length, kvHeads, 0, 8]);
  const out = await session.run(feeds);
  await session.release();
  assert.deepEqual(session.outputNames.slice(0, 2), ['logits', 'present.0.key']);
  return out.logits;
}

for (const d of DECODERS) {
  const dir = path.join(LM, d.name);
  const file = path.join(dir, 'model.onnx');

  test(`${d.name}: the export has the KV-cache signature, one tied embedding, and ONNX Runtime's logits equal PyTorch's`, async () => {
    const model = readModel(file);
    const inputs = model.graph.input.map((i) => i.name);
    assert.deepEqual(inputs.slice(0, 4), ['input_ids', 'attention_mask', 'position_ids', 'past_key_values.0.key']);
    assert.ok(model.graph.output.some((o) => o.name === 'present.1.value'));
    const users = model.graph.node.filter((n) => n.input.includes(d.embedding)).map((n) => n.op_type);
    assert.deepEqual(users.sort(), ['Gather', 'Transpose'], 'one initializer feeds the embedding lookup and the LM head');
    const e = readJson(path.join(dir, 'expected.json'));
    const logits = await runWithEmptyCache(file, e.input_ids, e.attention_mask, d.kvHeads, d.layers);
    const vocab = logits.dims[2];
    let worst = 0;
    e.logits_first16.forEach((seq: number[][], b: number) => seq.forEach((row, s) => row.forEach((v, k) => {
      if (e.attention_mask[b][s]) worst = Math.max(worst, Math.abs((logits.data as Float32Array)[(b * e.input_ids[0].length + s) * vocab + k] - v));
    })));
    assert.ok(worst < 1e-4, `max |ORT - torch| = ${worst}`);
  });

  test(`${d.name}: the training graph makes the cache and positions itself and trains the tied embedding once`, () => {
    const graph = prepareTrainingGraph(readModel(file), { modelName: d.name, trainable: [], trainablePreset: 'all', loss: { kind: 'causal-lm', logits: 'logits' } });
    assert.deepEqual(graph.inputNames.sort(), ['attention_mask', 'input_ids', 'labels']);
    assert.deepEqual(graph.outputNames, ['loss'], 'present.N.* outputs dropped');
    assert.equal(graph.cacheInputs.past.length, 2 * d.layers);
    assert.equal(graph.cacheInputs.positionIds, true);
    assert.equal(graph.trainables.filter((t) => t.name === d.embedding).length, 1);
    assert.ok(!graph.trainables.some((t) => /inv_freq/.test(t.name)), 'the rotary buffer is not trained');
  });

  test(`${d.name}: train then export through the CLI; eval loss falls, the tied weight gets one update, the export runs`, async () => {
    const work = tempDir(`${d.name}-`);
    const train = spawnSync(process.execPath, [CLI, 'train', '--config', path.join(dir, 'finetune.json'), '--runs-dir', path.join(work, 'runs'), '--run-id', 'r', '--threads', '1'], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(train.status, 0, `${train.stdout}\n${train.stderr}`);
    const evals = fs.readFileSync(path.join(work, 'runs', 'r', 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"kind":"eval"')).map((l) => JSON.parse(l).loss as number);
    assert.ok(evals.length >= 2 && evals.every(Number.isFinite));
    assert.ok(evals[evals.length - 1] < evals[0], `eval loss ${evals[0]} -> ${evals[evals.length - 1]}`);
    const out = path.join(work, 'tuned', 'model.onnx');
    const exp = spawnSync(process.execPath, [CLI, 'export', path.join(work, 'runs', 'r'), '--out', out], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(exp.status, 0, exp.stderr);
    const exported = readModel(out);
    const tables = exported.graph.initializer.filter((t) => t.name === d.embedding);
    assert.equal(tables.length, 1, 'still one tied initializer: embedding and LM head stay identical');
    const users = exported.graph.node.filter((n) => n.input.includes(d.embedding)).map((n) => n.op_type).sort();
    assert.deepEqual(users, ['Gather', 'Transpose']);
    const theta = loadLatestCheckpoint(path.join(work, 'runs', 'r'))!.data.tensors.get(`theta/${d.embedding}`) as Float32Array;
    assert.deepEqual(tensorToFloat32(tables[0]), theta, 'the one trained buffer is what the export holds');
    assert.notDeepEqual(theta, tensorToFloat32(readModel(file).graph.initializer.find((t) => t.name === d.embedding)!));
    const e = readJson(path.join(dir, 'expected.json'));
    const logits = await runWithEmptyCache(out, e.input_ids, e.attention_mask, d.kvHeads, d.layers);
    assert.ok((logits.data as Float32Array).every(Number.isFinite));
  });
}

test('kv-encoder: token_type_ids is fed zeros; train then export through the CLI', async () => {
  const dir = path.join(LM, 'kv-encoder');
  const work = tempDir('kv-encoder-');
  const train = spawnSync(process.execPath, [CLI, 'train', '--config', path.join(dir, 'finetune.json'), '--runs-dir', path.join(work, 'runs'), '--run-id', 'r', '--threads', '1'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(train.status, 0, `${train.stdout}\n${train.stderr}`);
  assert.match(train.stdout, /^finished: 30 steps, .*eval loss \d/m);
  const out = path.join(work, 'tuned', 'model.onnx');
  const exp = spawnSync(process.execPath, [CLI, 'export', path.join(work, 'runs', 'r'), '--out', out], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(exp.status, 0, exp.stderr);
  const session = await ort.InferenceSession.create(out);
  const result = await session.run({ input_ids: int64Tensor([[2, 40, 41, 3]]), attention_mask: int64Tensor([[1, 1, 1, 1]]), token_type_ids: int64Tensor([[0, 0, 0, 0]]) });
  assert.deepEqual(result.logits.dims, [1, 2]);
  assert.ok((result.logits.data as Float32Array).every(Number.isFinite));
  await session.release();
});

test('an input the runtime cannot feed is named in one line, without a stack trace', () => {
  const work = tempDir('kv-unfeedable-');
  const model = readModel(path.join(LM, 'kv-gpt2', 'model.onnx'));
  const ids = model.graph.input[0];
  model.graph.input.push({ ...ids, name: 'encoder_hidden_states' });
  model.graph.node.push({ op_type: 'Identity', name: 'use_it', input: ['encoder_hidden_states'], output: ['unused_out'] });
  model.graph.output.push({ ...model.graph.output[0], name: 'unused_out' });
  writeModel(model, path.join(work, 'model.onnx'));
  for (const f of ['tokenizer.json', 'tokenizer_config.json', 'definitions-train.jsonl', 'definitions-eval.jsonl', 'finetune.json']) fs.copyFileSync(path.join(LM, 'kv-gpt2', f), path.join(work, f));
  const train = spawnSync(process.execPath, [CLI, 'train', '--config', path.join(work, 'finetune.json'), '--threads', '1'], { encoding: 'utf8', timeout: 60_000 });
  assert.notEqual(train.status, 0);
  const message = train.stderr.trim();
  assert.match(message, /"encoder_hidden_states"/);
  assert.equal(message.split('\n').length, 1, message);
  assert.doesNotMatch(message, /\n\s+at /);
});
