/**
 * Streamed model loading (runtime/onnx/model-structure.ts): the graph's structure is read without
 * its weight bytes, trainables are read from the file straight into their training buffers, and
 * onnxruntime reads the frozen weights itself. Same weights and losses as the old whole-file path;
 * weights spread over several external-data files train and export through the CLI.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import * as ort from 'onnxruntime-node';
import { encodeModel, readModel, tensorToFloat32, writeModel } from '../../runtime/onnx/model-io';
import { readModelStructure } from '../../runtime/onnx/model-structure';
import { readTensorFloat32 } from '../../runtime/onnx/tensor-reader';
import { DataLocation } from '../../runtime/onnx/onnx-types';
import { prepareTrainingGraph, type TrainingGraph } from '../../runtime/onnx/surgery';
import { createSession } from '../../runtime/engine/provider';
import { loadLatestCheckpoint } from '../../runtime/run/checkpoint';
import { GPT_DIR, int64Tensor, readJson } from '../unit/lm-helpers';
import { tempDir } from './helpers';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
const GPT = path.join(GPT_DIR, 'model.onnx');

async function losses(graph: TrainingGraph, externalDataDir: string | undefined, scale: number): Promise<Float32Array> {
  const e = readJson(path.join(GPT_DIR, 'expected.json'));
  const { session } = await createSession({ model: graph.bytes, externalDataDir, requested: 'cpu', threads: 1 });
  const feeds: Record<string, ort.Tensor> = {
    input_ids: int64Tensor(e.batch.input_ids),
    attention_mask: int64Tensor(e.batch.attention_mask),
    labels: int64Tensor(e.batch.labels),
    zo_scale: new ort.Tensor('float32', new Float32Array([scale]), []),
  };
  for (const t of graph.trainables) {
    const dir = new Float32Array(t.size).map((_, i) => Math.sin(i + t.size));
    feeds[t.thetaInput] = new ort.Tensor('float32', t.initial, t.shape);
    feeds[t.dirInput] = new ort.Tensor('float32', dir, t.shape);
  }
  const out = await session.run(feeds, ['loss']);
  await session.release();
  return out.loss.data as Float32Array;
}

test('the structure read leaves big weights in the file: same graph, same values, read straight from their offsets', () => {
  const whole = readModel(GPT);
  const structure = readModelStructure(GPT, { inlineBelow: 1024 });
  assert.deepEqual(structure.graph.node, whole.graph.node);
  assert.deepEqual(structure.graph.input, whole.graph.input);
  assert.deepEqual(structure.opset_import, whole.opset_import);
  assert.equal(structure.graph.initializer.length, whole.graph.initializer.length);
  let external = 0;
  for (const [i, tensor] of structure.graph.initializer.entries()) {
    const original = whole.graph.initializer[i];
    assert.equal(tensor.name, original.name);
    assert.deepEqual(tensor.dims, original.dims);
    if ((original.raw_data?.byteLength ?? 0) >= 1024) {
      external++;
      assert.equal(tensor.data_location, DataLocation.EXTERNAL, `${tensor.name} stays in the file`);
      assert.equal(tensor.raw_data, undefined, `${tensor.name}: no bytes held`);
    }
    if (original.data_type === 1) assert.deepEqual(readTensorFloat32(tensor, GPT_DIR), tensorToFloat32(original), `${tensor.name} values`);
  }
  assert.ok(external >= 10, `most weights stay in the file (${external})`);
});

test('streamed and whole-file loading give the same trainables and the same losses (unperturbed and perturbed)', async () => {
  const options = { modelName: 'tiny-gpt', trainable: [], trainablePreset: 'all' as const, loss: { kind: 'causal-lm' as const, logits: 'logits' }, externalDataDir: GPT_DIR };
  const old = prepareTrainingGraph(readModel(GPT), options);
  const streamed = prepareTrainingGraph(readModelStructure(GPT, { inlineBelow: 1024 }), options);
  assert.deepEqual(streamed.trainables.map((t) => t.name), old.trainables.map((t) => t.name));
  for (const [i, t] of streamed.trainables.entries()) assert.deepEqual(t.initial, old.trainables[i].initial, t.name);
  for (const scale of [0, 1e-3]) assert.deepEqual(await losses(streamed, GPT_DIR, scale), await losses(old, undefined, scale), `scale ${scale}`);
  // A frozen subset: the frozen weights are read by onnxruntime from the .onnx at their offsets.
  const partial = { ...options, trainablePreset: null, trainable: ['ln_f'] };
  const frozenOld = prepareTrainingGraph(readModel(GPT), partial);
  const frozenStreamed = prepareTrainingGraph(readModelStructure(GPT, { inlineBelow: 1024 }), partial);
  assert.ok(frozenStreamed.bytes.byteLength * 10 < frozenOld.bytes.byteLength, `the streamed training graph holds no frozen weights (${frozenStreamed.bytes.byteLength} vs ${frozenOld.bytes.byteLength} bytes)`);
  assert.deepEqual(await losses(frozenStreamed, GPT_DIR, 1e-3), await losses(frozenOld, undefined, 1e-3));
});

/** tiny-gpt with every weight of 1 KiB or more in its own external-data file (some in a subfolder). */
function splitIntoExternalFiles(dir: string): number {
  const model = readModel(GPT);
  fs.mkdirSync(path.join(dir, 'weights'));
  let files = 0;
  for (const t of model.graph.initializer) {
    if (!t.raw_data || t.raw_data.byteLength < 1024) continue;
    const location = files % 2 ? `weights/part-${files}.bin` : `part-${files}.bin`;
    const padding = Buffer.alloc(8 * (files % 3));
    fs.writeFileSync(path.join(dir, location), Buffer.concat([padding, Buffer.from(t.raw_data)]));
    t.external_data = [{ key: 'location', value: location }, { key: 'offset', value: String(padding.byteLength) }, { key: 'length', value: String(t.raw_data.byteLength) }];
    t.data_location = DataLocation.EXTERNAL;
    delete t.raw_data;
    files++;
  }
  writeModel(model, path.join(dir, 'model.onnx'));
  for (const f of ['tokenizer.json', 'tokenizer_config.json', 'definitions-train.jsonl', 'definitions-eval.jsonl']) fs.copyFileSync(path.join(GPT_DIR, f), path.join(dir, f));
  return files;
}

test('a model spread over many external-data files trains through the CLI and exports to model.onnx + model.onnx.data', async () => {
  const dir = tempDir('streamed-');
  const files = splitIntoExternalFiles(dir);
  assert.ok(files >= 10);
  const config = {
    name: 'split', seed: 1, steps: 4, evalEvery: 2,
    model: { path: 'model.onnx', task: 'causal-lm', trainable: ['^wte\\.', '^ln_f\\.'] },
    data: { train: 'definitions-train.jsonl', eval: 'definitions-eval.jsonl', batchSize: 4, maxLength: 32 },
    optimizer: { name: 'mezo', lr: 1e-4 },
    engine: { provider: 'cpu' },
    output: { runsDir: 'runs' },
  };
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  const train = spawnSync(process.execPath, [CLI, 'train', '--config', path.join(dir, 'config.json'), '--run-id', 'r', '--threads', '1'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(train.status, 0, `${train.stdout}\n${train.stderr}`);
  assert.match(train.stdout, /^finished: 4 steps, .*eval loss \d/m);
  const out = path.join(dir, 'tuned', 'model.onnx');
  const exp = spawnSync(process.execPath, [CLI, 'export', path.join(dir, 'runs', 'r'), '--out', out], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(exp.status, 0, exp.stderr);
  // The frozen weights left the original's side files for one side file next to the export.
  assert.deepEqual(fs.readdirSync(path.dirname(out)).filter((f) => !f.startsWith('tokenizer')).sort(), ['model.onnx', 'model.onnx.data']);
  const kept = readModel(out, { externalData: 'keep' }).graph.initializer.find((t) => t.name === 'h.0.c_fc.weight')!;
  assert.equal(kept.data_location, DataLocation.EXTERNAL, 'a frozen weight is in the side file');
  const exported = readModel(out);
  const checkpoint = loadLatestCheckpoint(path.join(dir, 'runs', 'r'))!;
  const theta = checkpoint.data.tensors.get('theta/wte.weight') as Float32Array;
  assert.deepEqual(tensorToFloat32(exported.graph.initializer.find((t) => t.name === 'wte.weight')!), theta, 'the export holds the trained values');
  assert.notDeepEqual(theta, tensorToFloat32(readModel(GPT).graph.initializer.find((t) => t.name === 'wte.weight')!), 'training changed them');
  const session = await ort.InferenceSession.create(out);
  const result = await session.run({ input_ids: int64Tensor([[1, 2, 3]]), attention_mask: int64Tensor([[1, 1, 1]]) });
  assert.ok((result.logits.data as Float32Array).every(Number.isFinite));
  await session.release();
  void encodeModel;
});
