/**
 * torch's Identity aliases in a half-precision copy of the Cast form (kv-llama-fp16 / -bf16:
 * `W.stored` → Cast to float → `W`, and the de-duplicated RMSNorm weights as `Identity(W)`) are
 * untied as in the float32 export: each alias gets its own stored initializer read through its own
 * Cast. Found by a new-user pass: the fp16 copy of a decoder trained 28 tensors where its float32
 * twin trained 40 (every LayerNorm of the copy tied to the first one).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { readModel } from '../../runtime/onnx/model-io';
import { cloneModel } from '../../runtime/onnx/clone-model';
import { prepareTrainingGraph } from '../../runtime/onnx/surgery';
import { untieInitializerAliases } from '../../runtime/onnx/torch-traps';
import { DataType } from '../../runtime/onnx/onnx-types';
import { LM_FIXTURES } from './lm-helpers';

const causal = { kind: 'causal-lm' as const, logits: 'logits' };
const fp32 = readModel(path.join(LM_FIXTURES, 'kv-llama', 'model.onnx'));
const trainedNames = (model: ReturnType<typeof readModel>, name: string) =>
  prepareTrainingGraph(model, { modelName: name, trainable: [], trainablePreset: 'all', loss: causal }).trainables.map((t) => t.name).sort();

for (const [name, type] of [['kv-llama-fp16', DataType.FLOAT16], ['kv-llama-bf16', DataType.BFLOAT16]] as const) {
  const half = readModel(path.join(LM_FIXTURES, name, 'model.onnx'));

  test(`${name}: the float32 twin's aliases are untied through the Cast, each with its own ${type === DataType.FLOAT16 ? 'float16' : 'bfloat16'} initializer`, () => {
    const expected = untieInitializerAliases(cloneModel(fp32).graph).map((u) => ({ alias: `${u.alias}.stored`, source: `${u.source}.stored` }));
    assert.ok(expected.length > 0, 'kv-llama has aliases to untie');
    const model = cloneModel(half);
    const untied = untieInitializerAliases(model.graph);
    assert.deepEqual(untied, expected);
    for (const { alias } of untied) {
      const init = model.graph.initializer.find((t) => t.name === alias);
      assert.equal(init?.data_type, type, `${alias} keeps the stored type`);
      const reader = model.graph.node.find((n) => n.input[0] === alias);
      assert.equal(reader?.op_type, 'Cast', `${alias} is read through a Cast to float`);
    }
    const producers = new Map(model.graph.node.flatMap((n) => n.output.map((o) => [o, n] as const)));
    const left = model.graph.node.filter((n) => n.op_type === 'Identity' && producers.get(n.input[0])?.op_type === 'Cast');
    assert.deepEqual(left.map((n) => n.output[0]), [], 'no alias of a cast weight is left');
  });

  test(`${name}: "all" trains the float32 twin's tensors (by their .stored names), and an alias trains alone`, () => {
    assert.deepEqual(trainedNames(half, name), trainedNames(fp32, 'kv-llama').map((n) => `${n}.stored`).sort());
    const alone = prepareTrainingGraph(half, { modelName: name, trainable: ['^norm\\.weight\\.stored$'], loss: causal });
    assert.deepEqual(alone.trainables.map((t) => t.name), ['norm.weight.stored']);
  });
}
