import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildMlpClassifier } from '../../runtime/onnx/graph-builder';
import { decodeModel, encodeModel, readModel, tensorToFloat32, writeModel, type OnnxModel } from '../../runtime/onnx/model-io';
import { DataLocation } from '../../runtime/onnx/onnx-types';
import { prepareTrainingGraph } from '../../runtime/onnx/surgery';
import { float32, int64, runModel, testFloats } from '../fixtures/onnx/reference';

const PADDING = 12; // the tensor does not start at offset 0, so offset handling is exercised

/**
 * Writes `dir/model.onnx` whose initializer `externalName` lives in `dir/model.data` at
 * offset PADDING, as exporters do for big weights. Returns the in-memory original.
 */
function writeModelWithExternalWeight(dir: string, externalName: string): OnnxModel {
  const original = buildMlpClassifier({ inputDim: 4, hidden: [3], classes: 2, activation: 'tanh', seed: 3 });
  const copy = decodeModel(encodeModel(original));
  const tensor = copy.graph.initializer.find((t) => t.name === externalName)!;
  const bytes = Buffer.from(tensor.raw_data!);
  writeFileSync(join(dir, 'model.data'), Buffer.concat([Buffer.alloc(PADDING, 0xab), bytes, Buffer.alloc(5)]));
  delete tensor.raw_data;
  tensor.data_location = DataLocation.EXTERNAL;
  tensor.external_data = [
    { key: 'location', value: 'model.data' },
    { key: 'offset', value: String(PADDING) },
    { key: 'length', value: String(bytes.length) },
  ];
  writeModel(copy, join(dir, 'model.onnx'));
  return original;
}

const values = (model: OnnxModel, name: string) => Array.from(tensorToFloat32(model.graph.initializer.find((t) => t.name === name)!));

test('readModel loads external-data initializers into memory with the same values', () => {
  const dir = mkdtempSync(join(tmpdir(), 'helene-onnx-ext-'));
  const original = writeModelWithExternalWeight(dir, 'fc1.weight');
  const loaded = readModel(join(dir, 'model.onnx'));
  const weight = loaded.graph.initializer.find((t) => t.name === 'fc1.weight')!;
  assert.equal(weight.data_location, undefined);
  assert.deepEqual(values(loaded, 'fc1.weight'), values(original, 'fc1.weight'));
  assert.deepEqual(values(loaded, 'head.weight'), values(original, 'head.weight'));
});

test('a missing .data file gives an error naming the file and the tensor', () => {
  const dir = mkdtempSync(join(tmpdir(), 'helene-onnx-ext-'));
  writeModelWithExternalWeight(dir, 'fc1.weight');
  const moved = join(dir, 'elsewhere');
  mkdirSync(moved);
  writeModel(readModel(join(dir, 'model.onnx'), { externalData: 'keep' }), join(moved, 'model.onnx'), { allowMissingExternalData: true });
  assert.throws(
    () => readModel(join(moved, 'model.onnx')),
    (e: Error) => e.message.includes(join(moved, 'model.data')) && e.message.includes("'fc1.weight'") && /does not exist/.test(e.message),
  );
  // Writing a model that keeps references away from its .data file is refused by default.
  assert.throws(() => writeModel(readModel(join(dir, 'model.onnx'), { externalData: 'keep' }), join(moved, 'other.onnx')), /model\.data/);
});

test('a truncated .data file and a location outside the model directory are refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'helene-onnx-ext-'));
  writeModelWithExternalWeight(dir, 'fc1.weight');
  writeFileSync(join(dir, 'model.data'), Buffer.alloc(PADDING + 8));
  assert.throws(() => readModel(join(dir, 'model.onnx')), /truncated/);

  const escaping = readModel(join(dir, 'model.onnx'), { externalData: 'keep' });
  escaping.graph.initializer.find((t) => t.name === 'fc1.weight')!.external_data![0].value = '../model.data';
  writeModel(escaping, join(dir, 'escaping.onnx'), { allowMissingExternalData: true });
  assert.throws(() => readModel(join(dir, 'escaping.onnx')), /outside the model's directory/);
});

test('big-model path: keep data external, train other tensors, run the edited graph by path next to the .data file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'helene-onnx-ext-'));
  const original = writeModelWithExternalWeight(dir, 'fc1.weight');
  const kept = readModel(join(dir, 'model.onnx'), { externalData: 'keep' });
  assert.equal(kept.graph.initializer.find((t) => t.name === 'fc1.weight')!.data_location, DataLocation.EXTERNAL);

  // A trainable that lives externally needs the model's directory to read its initial values.
  assert.throws(
    () => prepareTrainingGraph(kept, { modelName: 'ext', trainable: ['^fc1\\.weight$'], loss: { kind: 'classification', logits: 'logits' } }),
    /externalDataDir/,
  );
  const external = prepareTrainingGraph(kept, {
    modelName: 'ext', trainable: ['^fc1\\.weight$'], loss: { kind: 'classification', logits: 'logits' }, externalDataDir: dir,
  });
  assert.deepEqual(Array.from(external.trainables[0].initial), values(original, 'fc1.weight'));

  // Frozen external weight, trainable head: the edited graph goes next to model.data and loads by path.
  const prepared = prepareTrainingGraph(kept, { modelName: 'ext', trainable: ['^head\\.'], loss: { kind: 'classification', logits: 'logits' } });
  const editedPath = join(dir, 'model.train.onnx');
  writeModel(prepared.model, editedPath);
  const x = testFloats(11, 2 * 4);
  const feeds: Parameters<typeof runModel>[1] = { x: float32(x, [2, 4]), labels: int64([0, 1]), zo_scale: float32(new Float32Array([0]), []) };
  for (const t of prepared.trainables) {
    feeds[t.thetaInput] = float32(t.initial, t.shape);
    feeds[t.dirInput] = float32(new Float32Array(t.size), t.shape);
  }
  const fromPath = await runModel(editedPath, feeds);
  const inMemory = prepareTrainingGraph(original, { modelName: 'mem', trainable: ['^head\\.'], loss: { kind: 'classification', logits: 'logits' } });
  const reference = await runModel(inMemory.bytes, feeds);
  assert.deepEqual(Array.from(fromPath.loss), Array.from(reference.loss));
});
