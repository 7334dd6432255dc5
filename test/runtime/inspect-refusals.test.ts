/**
 * `inspect` says before a run starts what `train` would refuse (an input it cannot feed), with the
 * same reasons; the short form shows them instead of offering what to train. Real exporter shapes:
 * the committed Llama-style KV-cache export, changed the way other exports differ.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readModel, writeModel } from '../../runtime/onnx/model-io';
import { formatInspection, inspectModel } from '../../runtime/onnx/model-inspect';
import { feedCacheInputsInGraph } from '../../runtime/onnx/cache-inputs';
import type { OnnxModel } from '../../runtime/onnx/onnx-types';
import { prepareTrainingGraph } from '../../runtime/onnx/surgery';

const LLAMA = path.join(__dirname, '..', 'fixtures', 'lm', 'kv-llama', 'model.onnx');
/** torch.nn.LSTM classifier exported by torch.onnx.export at opset 11 (scripts/newuser6/make_models.py). */
const LSTM_OPSET11 = path.join(__dirname, '..', 'fixtures', 'newuser6', 'lstm', 'model.onnx');

function setOpset(m: OnnxModel, version: number): void {
  for (const entry of m.opset_import) if (!entry.domain || entry.domain === 'ai.onnx') entry.version = version;
}

function variant(change: (m: OnnxModel) => void, source = LLAMA): string {
  const m = readModel(source);
  change(m);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'inspect-refusals-')), 'model.onnx');
  writeModel(m, file);
  return file;
}

test('the export as it is: nothing refused (KV-cache inputs and position_ids are made in the graph)', () => {
  const m = inspectModel(LLAMA);
  assert.ok(m.pastInputs > 0, 'the fixture has KV-cache inputs');
  assert.deepEqual(m.refusals, []);
  assert.doesNotMatch(formatInspection(m), /cannot start/);
});

test('a cache input whose head count is symbolic: inspect gives the reason the training graph throws', () => {
  const file = variant((m) => {
    const past = m.graph.input.find((i) => /^past_key_values\.0\.key$/.test(i.name ?? ''))!;
    past.type!.tensor_type!.shape!.dim![1] = { dim_param: 'heads' } as never;
  });
  const m = inspectModel(file);
  assert.equal(m.refusals.length, 1);
  assert.match(m.refusals[0], /cannot feed the cache input past_key_values\.0\.key/);
  assert.match(formatInspection(m), /training cannot start on this model as it is:\n  cannot feed the cache input past_key_values\.0\.key/);
  assert.throws(() => feedCacheInputsInGraph(readModel(file).graph, 17, 'model.onnx'), (e: Error) => e.message === `model.onnx: ${m.refusals[0]}`);
});

test('an input text data cannot feed (pixel_values beside input_ids) is named', () => {
  const file = variant((m) => {
    m.graph.input.push({ name: 'pixel_values', type: { tensor_type: { elem_type: 1, shape: { dim: [{ dim_param: 'batch' }, { dim_value: 3 }] } } } } as never);
  });
  const m = inspectModel(file);
  assert.deepEqual(m.refusals, ['the model\'s input "pixel_values" cannot be fed from text; text models take input_ids, attention_mask, token_type_ids, labels']);
});

test('an opset-11 classifier export is offered (its loss is spelled with OneHot); at opset 8 inspect refuses it with the sentence train throws', () => {
  const m11 = inspectModel(LSTM_OPSET11);
  assert.equal(m11.task, 'classification');
  assert.deepEqual(m11.refusals, []);
  const file = variant((v) => setOpset(v, 8), LSTM_OPSET11);
  const m = inspectModel(file);
  assert.deepEqual(m.refusals, ['the model uses opset 8; the classification loss needs opset >= 9 (OneHot). Re-export the model with opset_version=12 or newer']);
  assert.match(formatInspection(m), /training cannot start on this model as it is:\n  the model uses opset 8/);
  const loss = { kind: 'classification', logits: 'logits' } as const;
  assert.throws(() => prepareTrainingGraph(readModel(file), { modelName: 'model.onnx', trainable: ['.'], loss }), (e: Error) => e.message === `model.onnx: ${m.refusals[0]}`);
});

test('a decoder at opset 9: the causal-LM loss refusal is named (10 and 11 spell the loss with OneHot)', () => {
  const m = inspectModel(variant((v) => setOpset(v, 9)));
  assert.equal(m.task, 'causal-lm');
  assert.match(m.refusals[0], /^the model uses opset 9; the causal-LM loss needs opset >= 10 \(Slice with inputs\)\. Re-export the model with opset_version=14 or newer$/);
  assert.deepEqual(inspectModel(variant((v) => setOpset(v, 11))).refusals, []);
});
