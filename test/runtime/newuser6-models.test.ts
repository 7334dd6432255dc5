/**
 * Exports the project's own fixtures never were (scripts/newuser6/make_models.py): a BERT-style
 * encoder with three inputs, the same with int8 QDQ weights, and a GRU language model whose weights
 * all live in model.onnx.data. Each trains through the real CLI and exports; and a model whose
 * tokenizer does not say how long a sequence may be is capped at its position table instead of
 * failing inside onnxruntime; an opset-11 LSTM export trains with the OneHot-spelled loss exactly as
 * the same graph at opset 12 trains with SoftmaxCrossEntropyLoss.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from './helpers';
import { readModel, writeModel } from '../../runtime/onnx/model-io';
import { readModelStructure } from '../../runtime/onnx/model-structure';
import { outputWidthFromGraph, positionRows } from '../../runtime/onnx/model-facts';
import { DataType } from '../../runtime/onnx/onnx-types';
import { GraphBuilder } from '../../runtime/onnx/graph-builder';
import { prepareTrainingGraph } from '../../runtime/onnx/surgery';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
const FIXTURES = path.join(__dirname, '..', 'fixtures', 'newuser6');
const LM = path.join(__dirname, '..', 'fixtures', 'lm');

function cli(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
}

/** A copy of a fixture folder (the tests change tokenizer_config.json or write runs beside it). */
function copyFixture(name: string): string {
  const dir = path.join(tempDir(`newuser6-${name}`), name);
  fs.cpSync(path.join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

function summary(runsDir: string, runId: string): { state?: string; finalLoss?: number; steps?: number } {
  return JSON.parse(fs.readFileSync(path.join(runsDir, runId, 'summary.json'), 'utf8'));
}

test('the position table is found from the graph: Range over the length, not the token-type or word table', () => {
  const dims = (file: string, name: string) => readModel(file).graph.initializer.find((t) => t.name === name)!.dims![0];
  const bert3 = path.join(FIXTURES, 'bert3', 'model.onnx');
  assert.equal(positionRows(readModelStructure(bert3)), dims(bert3, 'position_embeddings.weight'));
  const kvGpt2 = path.join(LM, 'kv-gpt2', 'model.onnx');
  assert.equal(positionRows(readModelStructure(kvGpt2)), 128, 'GPT-2 export with a position_ids input: wpe has 128 rows');
  // An LSTM has no position table: nothing is capped.
  assert.equal(positionRows(readModelStructure(path.join(FIXTURES, 'lstm', 'model.onnx'))), null);
});

test('a tokenizer without model_max_length: data.maxLength above the position table is capped at it, the run trains', () => {
  const dir = copyFixture('bert3');
  const tokConfig = path.join(dir, 'tokenizer_config.json');
  const config = JSON.parse(fs.readFileSync(tokConfig, 'utf8'));
  delete config.model_max_length;
  fs.writeFileSync(tokConfig, JSON.stringify(config));
  const runs = path.join(dir, 'runs');
  // Some eval and training texts are longer than the 64 positions (the fixture's own data).
  const r = cli(['train', '--config', path.join(dir, 'finetune.json'), '--set', 'data.maxLength=128', '--steps', '3', '--runs-dir', runs, '--run-id', 'long']);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout + r.stderr, /training examples truncated to maxLength 64\b/);
  assert.doesNotMatch(r.stderr, /out of data bounds|internal error/);
  assert.equal(summary(runs, 'long').steps, 3);
});

test('three inputs (token_type_ids fed), int8 QDQ weights frozen, every weight in external data: each trains and exports', () => {
  for (const name of ['bert3', 'bert3-qdq', 'gru-lm']) {
    const dir = copyFixture(name);
    const runs = path.join(dir, 'runs');
    const r = cli(['train', '--config', path.join(dir, 'finetune.json'), '--steps', '4', '--set', 'evalEvery=2', '--runs-dir', runs, '--run-id', 'r']);
    assert.equal(r.status, 0, `${name}: ${r.stdout}${r.stderr}`);
    const s = summary(runs, 'r');
    assert.equal(s.steps, 4, name);
    assert.ok(Number.isFinite(s.finalLoss), `${name}: finite loss`);
    const out = path.join(dir, 'exported', 'model.onnx');
    const e = cli(['export', path.join(runs, 'r'), '--out', out]);
    assert.equal(e.status, 0, `${name}: ${e.stdout}${e.stderr}`);
    const exported = readModel(out);
    const original = readModel(path.join(FIXTURES, name, 'model.onnx'));
    assert.deepEqual(exported.graph.input.map((i) => i.name), original.graph.input.map((i) => i.name), `${name}: the export keeps the model's own inputs`);
    if (name === 'bert3-qdq') {
      const int8 = exported.graph.initializer.filter((t) => t.data_type === DataType.INT8 && /_quantized$/.test(t.name ?? ''));
      assert.equal(int8.length, 4, 'the four int8 FFN weights stay int8 in the export');
    }
  }
});

test('an opset-11 LSTM classifier (torch.onnx.export, opset_version=11) trains; its losses equal the same graph at opset 12', () => {
  const runs: Record<string, { loss?: number; t: number; kind: string }[]> = {};
  for (const opset of [11, 12]) {
    const dir = copyFixture('lstm');
    if (opset === 12) {
      const m = readModel(path.join(dir, 'model.onnx'));
      for (const entry of m.opset_import) if (!entry.domain || entry.domain === 'ai.onnx') entry.version = 12;
      writeModel(m, path.join(dir, 'model.onnx'));
    }
    const out = path.join(dir, 'runs');
    const r = cli(['train', '--config', path.join(dir, 'finetune.json'), '--steps', '20', '--set', 'evalEvery=10', '--runs-dir', out, '--run-id', 'r']);
    assert.equal(r.status, 0, `opset ${opset}: ${r.stdout}${r.stderr}`);
    runs[opset] = fs.readFileSync(path.join(out, 'r', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((x) => x.kind === 'step' || x.kind === 'eval');
  }
  const losses = (opset: number) => runs[opset].map((x) => `${x.kind}@${x.t}`);
  assert.deepEqual(losses(11), losses(12));
  assert.equal(runs[11].filter((x) => x.kind === 'step').length, 20);
  runs[11].forEach((x, i) => assert.ok(Math.abs(x.loss! - runs[12][i].loss!) <= 1e-6, `${x.kind} ${x.t}: ${x.loss} vs ${runs[12][i].loss}`));
});

test('the logits width read from the head agrees with every committed export that declares it', () => {
  const files = [...['bert3', 'bert3-qdq', 'lstm', 'gru-lm'].map((d) => path.join(FIXTURES, d, 'model.onnx')), ...fs.readdirSync(LM).map((d) => path.join(LM, d, 'model.onnx'))].filter((f) => fs.existsSync(f));
  let compared = 0;
  for (const file of files) {
    const m = readModelStructure(file);
    const logits = m.graph.output.find((o) => o.name === 'logits');
    const dims = logits?.type?.tensor_type?.shape?.dim ?? [];
    const declared = Number((dims[dims.length - 1] as { dim_value?: number } | undefined)?.dim_value ?? 0);
    const read = outputWidthFromGraph(m.graph, 'logits');
    if (declared > 0 && read !== null) {
      assert.equal(read, declared, file);
      compared++;
    }
  }
  assert.ok(compared >= 6, `compared ${compared} exports`);
});

test('a class axis exported as dynamic: a label out of range is named with file:line before training, not inside onnxruntime', () => {
  const dir = copyFixture('bert3');
  const model = readModel(path.join(dir, 'model.onnx'));
  model.graph.output[0].type!.tensor_type!.shape!.dim![1] = { dim_param: 'classes' } as never;
  writeModel(model, path.join(dir, 'model.onnx'));
  const names = ['devil', 'jargon', 'gcide'];
  const lines = fs.readFileSync(path.join(dir, 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  fs.writeFileSync(path.join(dir, 'train.jsonl'), lines.map((r, i) => JSON.stringify({ text: r.text, label: i === 5 ? 7 : names.indexOf(r.label) })).join('\n') + '\n');
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'finetune.json'), 'utf8'));
  delete config.data.labelNames;
  config.data.eval = null;
  fs.writeFileSync(path.join(dir, 'finetune.json'), JSON.stringify(config));
  const r = cli(['train', '--config', path.join(dir, 'finetune.json'), '--steps', '3', '--runs-dir', path.join(dir, 'runs')]);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /^error: .*train\.jsonl:6: label 7 is out of range \[0, 2\] for a 3-class model/m);
  assert.doesNotMatch(r.stderr, /internal error|out of range value in index/i);
});

/** A tiny decoder (embedding -> projection to the vocabulary) written at `opset`: only Gather and MatMul, the same at 11 and 13. */
function tinyDecoder(opset: number, vocab: number): ReturnType<GraphBuilder['build']> {
  const g = new GraphBuilder({ opset });
  const d = 8;
  let seed = 7;
  const rand = (n: number) => Float32Array.from({ length: n }, () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5) * 0.2);
  g.input('input_ids', 'int64', ['batch', 'sequence']);
  g.input('attention_mask', 'int64', ['batch', 'sequence']);
  g.floatInitializer('embed.weight', [vocab, d], rand(vocab * d));
  g.floatInitializer('lm_head.weight', [d, vocab], rand(d * vocab));
  const h = g.op('Gather', ['embed.weight', 'input_ids']);
  g.op('MatMul', [h, 'lm_head.weight'], [], 'logits');
  g.output('logits', 'float', ['batch', 'sequence', vocab]);
  return g.build();
}

test('a causal LM at opset 11 trains with the OneHot-spelled token loss; prompt tokens and padding excluded as at opset 13', () => {
  const tokenizerDir = path.join(LM, 'tiny-gpt');
  const vocab = JSON.parse(fs.readFileSync(path.join(tokenizerDir, 'tokenizer.json'), 'utf8')).model.vocab;
  const V = Object.keys(vocab).length;
  const ops11 = prepareTrainingGraph(tinyDecoder(11, V), { modelName: 'm', trainable: ['.'], loss: { kind: 'causal-lm', logits: 'logits' } }).model.graph.node.map((n) => n.op_type);
  assert.ok(ops11.includes('OneHot') && !ops11.includes('SoftmaxCrossEntropyLoss'), ops11.join(','));
  const steps: Record<number, { kind: string; t: number; loss: number }[]> = {};
  for (const opset of [11, 13]) {
    const dir = tempDir(`causal-opset${opset}`);
    writeModel(tinyDecoder(opset, V), path.join(dir, 'model.onnx'));
    for (const f of ['tokenizer.json', 'tokenizer_config.json']) fs.copyFileSync(path.join(tokenizerDir, f), path.join(dir, f));
    // prompt/completion lines: the prompt's tokens and the padding carry -100.
    const lines = fs.readFileSync(path.join(tokenizerDir, 'definitions-train.jsonl'), 'utf8').trim().split('\n');
    fs.writeFileSync(path.join(dir, 'train.jsonl'), lines.slice(0, 64).join('\n') + '\n');
    fs.writeFileSync(path.join(dir, 'eval.jsonl'), lines.slice(64, 80).join('\n') + '\n');
    const config = { name: `causal-${opset}`, seed: 1, steps: 20, evalEvery: 10, model: { path: 'model.onnx', task: 'causal-lm', trainablePreset: 'all' }, data: { train: 'train.jsonl', eval: 'eval.jsonl', batchSize: 8, maxLength: 32 }, optimizer: { name: 'mezo', lr: 0.01 }, engine: { provider: 'cpu' } };
    fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify(config));
    const r = cli(['train', '--config', path.join(dir, 'run.json'), '--runs-dir', path.join(dir, 'runs'), '--run-id', 'r']);
    assert.equal(r.status, 0, `opset ${opset}: ${r.stdout}${r.stderr}`);
    steps[opset] = fs.readFileSync(path.join(dir, 'runs', 'r', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((x) => x.kind === 'step' || x.kind === 'eval');
  }
  assert.deepEqual(steps[11].map((x) => `${x.kind}@${x.t}`), steps[13].map((x) => `${x.kind}@${x.t}`));
  assert.equal(steps[11].filter((x) => x.kind === 'step').length, 20);
  steps[11].forEach((x, i) => assert.ok(Math.abs(x.loss - steps[13][i].loss) <= 1e-5, `${x.kind} ${x.t}: ${x.loss} vs ${steps[13][i].loss}`));
});
