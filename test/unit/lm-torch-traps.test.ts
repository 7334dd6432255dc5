/**
 * The torch.onnx.export traps, on real torch exports (scripts/fixtures/make_trap_models.py):
 * Identity aliases are untied, buffers are refused by name or value, constant-folded copies are
 * detected and explained, and the appended causal-LM loss still equals a direct computation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { readModel } from '../../runtime/onnx/model-io';
import { prepareTrainingGraph } from '../../runtime/onnx/surgery';
import { parameterInitializers } from '../../runtime/onnx/trainable-presets';
import { untieInitializerAliases } from '../../runtime/onnx/torch-traps';
import { cloneModel } from '../../runtime/onnx/clone-model';
import { TRAPS_DIR, causalLossFromLogits, int64Tensor, maxAbsDiff, readJson, runBytes, runTrainingGraph } from './lm-helpers';

const tied = readModel(path.join(TRAPS_DIR, 'tied.onnx'));
const folded = readModel(path.join(TRAPS_DIR, 'folded.onnx'));
const expected = readJson<{ input_ids: number[][]; logits: number[][][] }>(path.join(TRAPS_DIR, 'expected.json'));
const causal = { kind: 'causal-lm' as const, logits: 'logits' };

test('torch de-duplicated initializers come back as separate ones, and the model computes the same logits', async () => {
  const model = cloneModel(tied);
  const untied = untieInitializerAliases(model.graph);
  assert.ok(untied.some((u) => u.alias === 'ln_f.weight' && u.source === 'h.0.ln_1.weight'), JSON.stringify(untied));
  assert.ok(untied.some((u) => u.alias === 'h.1.attn.bias'));
  assert.equal(model.graph.node.filter((n) => n.op_type === 'Identity' && model.graph.initializer.some((t) => t.name === n.input[0])).length, 0);
  const ids = expected.input_ids;
  const feeds = { input_ids: int64Tensor(ids), attention_mask: int64Tensor(ids.map((r) => r.map(() => 1))) };
  const { encodeModel } = await import('../../runtime/onnx/model-io');
  const out = await runBytes(encodeModel(model), feeds, ['logits']);
  assert.ok(maxAbsDiff(out.logits.data as Float32Array, expected.logits.flat(2)) < 1e-5, 'logits equal torch');
});

test('an alias can be trained on its own: ln_f.weight is untied from h.0.ln_1.weight', () => {
  const graph = prepareTrainingGraph(tied, { modelName: 'tied.onnx', trainable: ['^ln_f\\.weight$'], loss: causal });
  assert.deepEqual(graph.trainables.map((t) => t.name), ['ln_f.weight']);
  assert.ok(graph.model.graph.initializer.some((t) => t.name === 'h.0.ln_1.weight'), 'the source stays a frozen initializer');
});

test('buffers are never parameters: the preset skips the causal-mask buffers, a pattern that selects them is refused', () => {
  const names = parameterInitializers(tied.graph).map((t) => t.name);
  assert.ok(!names.includes('h.0.attn.bias'));
  assert.ok(names.includes('wte.weight') && names.includes('h.0.attn.c_attn.weight'));
  assert.throws(
    () => prepareTrainingGraph(tied, { modelName: 'tied.onnx', trainable: ['.*'], loss: causal }),
    /tied\.onnx: initializer 'h\.0\.attn\.bias' looks like a buffer, not a parameter \(it holds a 0\/1 triangle: a causal attention mask buffer\).*trainablePreset "all"/,
  );
  const all = prepareTrainingGraph(tied, { modelName: 'tied.onnx', trainable: [], trainablePreset: 'all', loss: causal });
  assert.ok(!all.trainables.some((t) => /^h\.\d\.attn\.bias$/.test(t.name)));
  assert.ok(all.trainables.some((t) => t.name === 'h.1.ln_2.weight'), 'untied aliases are parameters too');
  const noEmb = prepareTrainingGraph(tied, { modelName: 'tied.onnx', trainable: [], trainablePreset: 'all-but-embeddings', loss: causal });
  assert.ok(!noEmb.trainables.some((t) => t.name === 'wte.weight' || t.name === 'wpe.weight'));
  const head = prepareTrainingGraph(tied, { modelName: 'tied.onnx', trainable: [], trainablePreset: 'head', loss: causal });
  assert.deepEqual(head.trainables.map((t) => t.name), ['wte.weight'], 'the tied LM head is the embedding');
});

test('constant folding: a folded transposed copy of a trained weight is explained, lost names get a hint', () => {
  assert.throws(
    () => prepareTrainingGraph(folded, { modelName: 'folded.onnx', trainable: ['^wte\\.weight$'], loss: causal }),
    /folded\.onnx: frozen initializer\(s\) 'onnx::MatMul_\d+' = transpose of 'wte\.weight': constant-folded copies.*do_constant_folding=False/,
  );
  assert.throws(
    () => prepareTrainingGraph(folded, { modelName: 'folded.onnx', trainable: ['c_attn\\.weight'], loss: causal }),
    /matches no initializer.*named 'onnx::MatMul_N'.*do_constant_folding=False/,
  );
  // Training both the embedding and its folded copy is allowed: they become two untied weights.
  const both = prepareTrainingGraph(folded, { modelName: 'folded.onnx', trainable: ['^wte\\.weight$', '^onnx::MatMul_'], loss: causal });
  assert.ok(both.trainables.length > 2);
});

test('the appended causal-LM loss on a torch export equals the loss computed from its logits', async () => {
  const graph = prepareTrainingGraph(tied, { modelName: 'tied.onnx', trainable: [], trainablePreset: 'all', loss: causal, extraOutputs: ['logits'] });
  const ids = [[1, 5, 7, 9, 2, 0], [3, 4, 8, 2, 0, 0]];
  const mask = [[1, 1, 1, 1, 1, 0], [1, 1, 1, 1, 0, 0]];
  const labels = [[-100, -100, 7, 9, 2, -100], [-100, 4, 8, 2, -100, -100]];
  const out = await runTrainingGraph(graph, { input_ids: int64Tensor(ids), attention_mask: int64Tensor(mask), labels: int64Tensor(labels) });
  const direct = causalLossFromLogits(out.logits.data as Float32Array, out.logits.dims, labels);
  assert.ok(maxAbsDiff(out.loss.data as Float32Array, direct) < 1e-5, `${Array.from(out.loss.data as Float32Array)} vs ${direct}`);
  // All labels ignored: the loss is 0, not NaN (count clamped to 1).
  const none = await runTrainingGraph(graph, { input_ids: int64Tensor(ids), attention_mask: int64Tensor(mask), labels: int64Tensor(labels.map((r) => r.map(() => -100))) });
  assert.deepEqual(Array.from(none.loss.data as Float32Array, Math.abs), [0, 0]);
});
