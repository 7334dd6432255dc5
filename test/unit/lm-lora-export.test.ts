/**
 * LoRA by graph surgery and the export of a tuned model, on a real torch export (the tiny GPT of
 * the trap fixtures: Transpose→MatMul weights, tied LM head, aliases):
 * - with B = 0 the adapted graph's loss is exactly the base model's;
 * - only adapters are trainable, one layer per matrix, sized r·(d0 + d1);
 * - the exported model (trained values written back, LoRA merged, loss gone) gives the training
 *   graph's logits on the same input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { encodeModel, readModel } from '../../runtime/onnx/model-io';
import { prepareTrainingGraph } from '../../runtime/onnx/surgery';
import { exportTunedModel } from '../../runtime/onnx/export-model';
import { TRAPS_DIR, int64Tensor, maxAbsDiff, runBytes, runTrainingGraph, testValues } from './lm-helpers';

const tied = readModel(path.join(TRAPS_DIR, 'tied.onnx'));
const causal = { kind: 'causal-lm' as const, logits: 'logits' };
const ids = [[1, 5, 7, 9, 2, 0], [3, 4, 8, 2, 11, 6]];
const mask = [[1, 1, 1, 1, 1, 0], [1, 1, 1, 1, 1, 1]];
const labels = [[-100, 5, 7, 9, 2, -100], [-100, -100, -100, 2, 11, 6]];
const data = { input_ids: int64Tensor(ids), attention_mask: int64Tensor(mask), labels: int64Tensor(labels) };
const lora = { rank: 2, alpha: 4, targets: ['c_attn\\.weight$', 'c_fc\\.weight$'], alsoTrain: ['^ln_f\\.'], seed: 3 };

test('LoRA with B = 0 gives exactly the base model loss; only adapters (and alsoTrain) are trainable', async () => {
  const base = prepareTrainingGraph(tied, { modelName: 'tied.onnx', trainable: [], trainablePreset: 'all', loss: causal });
  const adapted = prepareTrainingGraph(tied, { modelName: 'tied.onnx', trainable: [], loss: causal, lora });
  assert.deepEqual(
    adapted.trainables.map((t) => t.name),
    ['ln_f.bias', 'ln_f.weight', 'h.0.attn.c_attn.weight.lora_A', 'h.0.attn.c_attn.weight.lora_B', 'h.0.c_fc.weight.lora_A', 'h.0.c_fc.weight.lora_B',
      'h.1.attn.c_attn.weight.lora_A', 'h.1.attn.c_attn.weight.lora_B', 'h.1.c_fc.weight.lora_A', 'h.1.c_fc.weight.lora_B'],
  );
  const a = adapted.trainables.find((t) => t.name === 'h.0.attn.c_attn.weight.lora_A')!;
  const b = adapted.trainables.find((t) => t.name === 'h.0.attn.c_attn.weight.lora_B')!;
  assert.deepEqual([a.shape, b.shape], [[2, 8], [24, 2]]);
  assert.ok(a.initial.some((v) => v !== 0) && b.initial.every((v) => v === 0));
  const adapterElements = adapted.trainables.filter((t) => t.name.includes('.lora_')).reduce((s, t) => s + t.size, 0);
  assert.equal(adapterElements, 2 * ((2 * 8 + 24 * 2) + (2 * 8 + 16 * 2)), "r·(d0 + d1) per adapted weight, 2 layers");
  const [l0, l1] = await Promise.all([runTrainingGraph(base, data), runTrainingGraph(adapted, data)]);
  assert.deepEqual(Array.from(l1.loss.data as Float32Array), Array.from(l0.loss.data as Float32Array), 'bit-identical');
});

test('LoRA targets that match no MatMul weight, or embeddings, are refused with the weights that can take adapters', () => {
  assert.throws(() => prepareTrainingGraph(tied, { modelName: 'tied.onnx', trainable: [], loss: causal, lora: { ...lora, targets: ['^wte'] } }), /LoRA target pattern '\^wte' matches no MatMul\/Gemm weight\. Weights that can take adapters: 'h\.0\.attn\.c_attn\.weight'/);
});

test('the exported model reproduces the tuned logits: trained values written back, LoRA merged, loss removed', async () => {
  const graph = prepareTrainingGraph(tied, { modelName: 'tied.onnx', trainable: [], loss: causal, lora, extraOutputs: ['logits'] });
  const trained = new Map<string, Float32Array>();
  graph.trainables.forEach((t, i) => trained.set(t.name, t.name.includes('.lora_') ? testValues(t.size, 100 + i, 0.3) : testValues(t.size, 7 + i, 1)));
  const tuned = await runTrainingGraph(graph, data, trained);
  const exported = exportTunedModel(tied, trained, { rank: lora.rank, alpha: lora.alpha }, 'tied.onnx');
  assert.deepEqual(exported.merged, ['h.0.attn.c_attn.weight', 'h.0.c_fc.weight', 'h.1.attn.c_attn.weight', 'h.1.c_fc.weight']);
  const g = exported.model.graph;
  assert.deepEqual(g.output.map((o) => o.name), ['logits']);
  assert.deepEqual(g.input.map((i) => i.name), ['input_ids', 'attention_mask']);
  assert.ok(!g.initializer.some((t) => (t.name ?? '').includes('lora')) && !g.node.some((n) => (n.name ?? '').startsWith('lora/') || (n.name ?? '').startsWith('zo/')));
  const out = await runBytes(encodeModel(exported.model), { input_ids: data.input_ids, attention_mask: data.attention_mask }, ['logits']);
  const diff = maxAbsDiff(out.logits.data as Float32Array, tuned.logits.data as Float32Array);
  assert.ok(diff < 1e-4, `max |logits diff| ${diff}`);
  // And the change is real: the base model's logits differ.
  const before = await runBytes(encodeModel(tied), { input_ids: data.input_ids, attention_mask: data.attention_mask }, ['logits']);
  assert.ok(maxAbsDiff(before.logits.data as Float32Array, tuned.logits.data as Float32Array) > 1e-2);
});

test('export refuses tensors the model does not have, and adapters without a LoRA configuration', () => {
  assert.throws(() => exportTunedModel(tied, new Map([['nope.weight', new Float32Array(4)]]), null, 'tied.onnx'), /tied\.onnx has no initializer 'nope\.weight'/);
  const adapters = new Map([['h.0.c_fc.weight.lora_A', new Float32Array(16)], ['h.0.c_fc.weight.lora_B', new Float32Array(32)]]);
  assert.throws(() => exportTunedModel(tied, adapters, null, 'tied.onnx'), /LoRA adapters but the configuration has no model\.lora\.rank/);
});
