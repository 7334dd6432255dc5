/**
 * Models that store their weights in float16 / bfloat16 (kv-llama-fp16 / -bf16, made from kv-llama by
 * scripts/fixtures/make_kv_decoders.py): trained with float32 master weights fed as `::theta` and
 * cast to the stored type in the graph, exported back in the stored type.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import * as ort from 'onnxruntime-node';
import { makeFloatTensor, readModel } from '../../runtime/onnx/model-io';
import { DataType } from '../../runtime/onnx/onnx-types';
import { prepareTrainingGraph } from '../../runtime/onnx/surgery';
import { readTensorFloat32 } from '../../runtime/onnx/tensor-reader';
import { encode16 } from '../../runtime/onnx/half-precision';
import { loadLatestCheckpoint } from '../../runtime/run/checkpoint';
import { int64Tensor, readJson, runTrainingGraph } from '../unit/lm-helpers';
import { tempDir } from './helpers';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
const LM = path.resolve(__dirname, '../fixtures/lm');
const batch = () => {
  const e = readJson(path.join(LM, 'kv-llama', 'expected.json'));
  return { input_ids: int64Tensor(e.input_ids), attention_mask: int64Tensor(e.attention_mask), labels: int64Tensor(e.input_ids) };
};

for (const [name, type] of [['kv-llama-fp16', DataType.FLOAT16], ['kv-llama-bf16', DataType.BFLOAT16]] as const) {
  const file = path.join(LM, name, 'model.onnx');

  test(`${name}: half-precision weights train through float32 theta; the loss equals the float32 model with the rounded weights`, async () => {
    const half = readModel(file);
    const options = { modelName: name, trainable: [], trainablePreset: 'all' as const, loss: { kind: 'causal-lm' as const, logits: 'logits' } };
    const graph = prepareTrainingGraph(half, options);
    const stored = graph.trainables.filter((t) => t.storedType === type);
    assert.equal(stored.length, 20, 'every half-precision weight is trainable, the 4 untied RMSNorm aliases included (as kv-llama: 20)');
    assert.ok(graph.model.graph.input.filter((i) => i.name?.endsWith('::theta')).every((i) => i.type?.tensor_type?.elem_type === DataType.FLOAT), 'theta is float32');
    // The same weights, rounded to the stored type, written into the float32 model.
    const full = readModel(path.join(LM, 'kv-llama', 'model.onnx'));
    full.graph.initializer = full.graph.initializer.map((t) => {
      const h = half.graph.initializer.find((x) => x.name === `${t.name}.stored`);
      return h ? makeFloatTensor(t.name ?? '', [...(t.dims ?? [])], readTensorFloat32(h, undefined)) : t;
    });
    const reference = prepareTrainingGraph(full, { ...options, trainablePreset: null, trainable: ['^norm\\.weight$'] });
    const a = Array.from((await runTrainingGraph(graph, batch())).loss.data as Float32Array);
    const b = Array.from((await runTrainingGraph(reference, batch())).loss.data as Float32Array);
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= 1e-6 * Math.abs(b[i]), `example ${i}: ${v} vs ${b[i]}`));
  });

  test(`${name}: train then export through the CLI; the export keeps the stored type and holds the trained values rounded once`, async () => {
    const work = tempDir(`${name}-`);
    const train = spawnSync(process.execPath, [CLI, 'train', '--config', path.join(LM, name, 'finetune.json'), '--runs-dir', path.join(work, 'runs'), '--run-id', 'r', '--threads', '1', '--steps', '6', '--set', 'evalEvery=3'], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(train.status, 0, `${train.stdout}\n${train.stderr}`);
    assert.match(train.stdout, /^finished: 6 steps, .*eval loss \d/m);
    const out = path.join(work, 'tuned', 'model.onnx');
    const exp = spawnSync(process.execPath, [CLI, 'export', path.join(work, 'runs', 'r'), '--out', out], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(exp.status, 0, exp.stderr);
    const exported = readModel(out).graph.initializer.find((t) => t.name === 'embed_tokens.weight.stored')!;
    assert.equal(exported.data_type, type);
    const theta = loadLatestCheckpoint(path.join(work, 'runs', 'r'))!.data.tensors.get('theta/embed_tokens.weight.stored') as Float32Array;
    assert.deepEqual(Buffer.from(exported.raw_data!), encode16(theta, type === DataType.BFLOAT16));
    const session = await ort.InferenceSession.create(out);
    const e = readJson(path.join(LM, 'kv-llama', 'expected.json'));
    const feeds: Record<string, ort.Tensor> = { input_ids: int64Tensor(e.input_ids), attention_mask: int64Tensor(e.attention_mask), position_ids: int64Tensor(e.input_ids.map((r: number[]) => r.map((_, i) => i))) };
    for (let l = 0; l < 2; l++) for (const kv of ['key', 'value']) feeds[`past_key_values.${l}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [2, 2, 0, 8]);
    const result = await session.run(feeds);
    assert.ok((result.logits.data as Float32Array).every(Number.isFinite));
    await session.release();
  });
}
