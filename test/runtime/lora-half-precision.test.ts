/**
 * LoRA on float16 / bfloat16 base weights (kv-llama-fp16 / -bf16): the adapters are float32, the
 * base weights stay frozen initializers in their stored type, the merge is float32; training lowers
 * the eval loss, and the export (merged back in the stored type) runs in onnxruntime.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import * as ort from 'onnxruntime-node';
import { readModel } from '../../runtime/onnx/model-io';
import { DataType } from '../../runtime/onnx/onnx-types';
import { prepareTrainingGraph } from '../../runtime/onnx/surgery';
import { int64Tensor, readJson } from '../unit/lm-helpers';
import { tempDir } from './helpers';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
const LM = path.resolve(__dirname, '../fixtures/lm');

for (const [name, type] of [['kv-llama-fp16', DataType.FLOAT16], ['kv-llama-bf16', DataType.BFLOAT16]] as const) {
  const file = path.join(LM, name, 'model.onnx');

  test(`${name}: LoRA adapters are float32, the adapted base weights stay frozen ${type === DataType.FLOAT16 ? 'float16' : 'bfloat16'} initializers`, () => {
    const graph = prepareTrainingGraph(readModel(file), { modelName: name, trainable: [], loss: { kind: 'causal-lm', logits: 'logits' }, lora: { rank: 4, alpha: 8, targets: [], targetPreset: 'attention-mlp', alsoTrain: [], seed: 1 } });
    assert.equal(graph.loraAdapters.length, 14, '2 blocks × (Q, K, V, O, gate, up, down)');
    assert.ok(graph.trainables.every((t) => t.storedType === DataType.FLOAT && /\.lora_[AB]$/.test(t.name)), 'only float32 adapters train');
    const initializers = new Map(graph.model.graph.initializer.map((t) => [t.name ?? '', t]));
    for (const adapter of graph.loraAdapters) assert.equal(initializers.get(adapter.weight)?.data_type, type, `${adapter.weight} stays a ${type} initializer`);
  });

  test(`${name}: LoRA trains through the CLI (eval loss finite and lower after 40 steps); the export runs in onnxruntime`, async () => {
    const work = tempDir(`${name}-lora-`);
    const r = spawnSync(process.execPath, [CLI, 'train', '--config', path.join(LM, name, 'finetune.json'), '--runs-dir', work, '--run-id', 'r', '--threads', '1', '--steps', '40', '--set', 'evalEvery=20', '--set', 'model.trainablePreset=null', '--set', 'model.lora.rank=4', '--set', 'model.lora.targetPreset=attention-mlp', '--set', 'optimizer.lr=0.002', '--quiet'], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    const records = fs.readFileSync(path.join(work, 'r', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const evals = records.filter((x) => x.kind === 'eval').map((x) => x.loss as number);
    assert.ok(records.filter((x) => x.kind === 'step').every((x) => Number.isFinite(x.loss)));
    assert.ok(evals.length >= 3 && evals.every(Number.isFinite));
    assert.ok(evals[evals.length - 1] < evals[0], `eval loss ${evals.join(' → ')}`);

    const out = path.join(work, 'export', 'model.onnx');
    const exp = spawnSync(process.execPath, [CLI, 'export', path.join(work, 'r'), '--out', out], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(exp.status, 0, exp.stderr);
    assert.match(exp.stdout, /LoRA merged into 14 weight/);
    const exported = readModel(out).graph.initializer;
    assert.ok(!exported.some((t) => /lora/.test(t.name ?? '')), 'no adapter left in the export');
    assert.equal(exported.find((t) => t.name === 'layers.0.self_attn.q_proj.weight.stored')?.data_type, type, 'merged weight in the stored type');
    const session = await ort.InferenceSession.create(out);
    const e = readJson(path.join(LM, 'kv-llama', 'expected.json'));
    const feeds: Record<string, ort.Tensor> = { input_ids: int64Tensor(e.input_ids), attention_mask: int64Tensor(e.attention_mask), position_ids: int64Tensor(e.input_ids.map((row: number[]) => row.map((_, i) => i))) };
    for (let l = 0; l < 2; l++) for (const kv of ['key', 'value']) feeds[`past_key_values.${l}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [2, 2, 0, 8]);
    const result = await session.run(feeds);
    assert.ok((result.logits.data as Float32Array).every(Number.isFinite));
    await session.release();
  });
}
