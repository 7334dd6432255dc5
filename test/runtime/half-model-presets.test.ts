/**
 * Trainable presets on models that store their weights in float16 (issue 18, item 3): kv-llama-fp16
 * reads each weight through Cast(w.stored), kv-llama-pure16 (a model.half() export's typing) reads
 * them directly. The presets must see through the Cast, and `inspect` must say what training trains.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { readModel } from '../../runtime/onnx/model-io';
import { prepareTrainingGraph } from '../../runtime/onnx/surgery';
import { inspectModel, formatInspection } from '../../runtime/onnx/model-inspect';
import { tensorElementCount } from '../../runtime/onnx/tensor-data';
import type { TrainablePreset } from '../../runtime/protocol';

const LM = path.resolve(__dirname, '../fixtures/lm');
const EMBEDDING = 'embed_tokens.weight';

for (const [name, embedding] of [['kv-llama-fp16', `${EMBEDDING}.stored`], ['kv-llama-pure16', EMBEDDING]] as const) {
  const file = path.join(LM, name, 'model.onnx');
  const trained = (preset: TrainablePreset) => {
    const graph = prepareTrainingGraph(readModel(file), { modelName: file, trainable: [], trainablePreset: preset, loss: { kind: 'causal-lm', logits: 'logits' } });
    return graph.trainables.map((t) => ({ name: t.name, size: t.size ?? 0 }));
  };

  test(`${name}: all-but-embeddings leaves out the float16 embedding; head finds the tied head; inspect and training agree`, () => {
    const inspection = inspectModel(file);
    const embeddingSize = tensorElementCount(readModel(file).graph.initializer.find((t) => t.name === embedding)!);
    for (const preset of ['all', 'all-but-embeddings', 'head'] as const) {
      const list = trained(preset);
      const facts = inspection.presets[preset];
      assert.ok(facts, `inspect finds ${preset}`);
      assert.deepEqual({ tensors: list.length, parameters: list.reduce((a, t) => a + t.size, 0) }, facts, `${preset}: inspect says what training trains`);
    }
    assert.ok(trained('all').some((t) => t.name === embedding));
    assert.ok(!trained('all-but-embeddings').some((t) => t.name === embedding), 'the embedding is not trained by all-but-embeddings');
    assert.equal(inspection.presets['all-but-embeddings']!.parameters, inspection.presets.all!.parameters - embeddingSize);
    assert.deepEqual(trained('head').map((t) => t.name), [embedding], 'the LM head is the tied embedding');
    assert.deepEqual(inspection.tiedHead, [embedding]);
    assert.match(formatInspection(inspection), new RegExp(`head +1 tensor, .*tied to the input embedding ${embedding.replace(/\./g, '\\.')}`), 'one tensor, in the singular');
  });
}
