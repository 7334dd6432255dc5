/**
 * The short form's "what to train" step for half-precision decoders: kv-llama-fp16 / -bf16 get the
 * same choices as the float32 kv-llama (LoRA on attention + MLP, attention, MLP; all but the
 * embeddings; all), with the same counts, and their projections the same roles.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { inspectModel } from '../../runtime/onnx/model-inspect';
import { projectionRoles } from '../../runtime/onnx/projection-roles';
import { readModel } from '../../runtime/onnx/model-io';
import { trainChoices } from '../../extension/train-choices';

const lm = (name: string) => path.join(__dirname, '..', 'fixtures', 'lm', name, 'model.onnx');

for (const name of ['kv-llama-fp16', 'kv-llama-bf16']) {
  test(`${name}: LoRA choices are offered as for the float32 model, with the same counts`, () => {
    const half = trainChoices(inspectModel(lm(name)));
    const full = trainChoices(inspectModel(lm('kv-llama')));
    assert.deepEqual(half.map((c) => c.label), full.map((c) => c.label));
    assert.deepEqual(half.map((c) => c.label).slice(0, 3), ['LoRA on attention and MLP projections', 'LoRA on attention projections (Q, K, V, O)', 'LoRA on MLP projections']);
    // The same counts for every choice: torch's RMSNorm aliases are untied through the half export's
    // Cast as in the float32 export (20 tensors each; test/unit/half-alias-untie.test.ts).
    assert.deepEqual(half.map((c) => c.description), full.map((c) => c.description));
    assert.deepEqual(half[0].selection, { task: 'causal-lm', lora: { rank: 8, alpha: 16, targetPreset: 'attention-mlp' } });
  });

  test(`${name}: projections get the float32 model's roles, and the tied embedding none`, () => {
    const roles = projectionRoles(readModel(lm(name)).graph, 'logits');
    const reference = projectionRoles(readModel(lm('kv-llama')).graph, 'logits');
    // The half-precision fixture names each weight `<float32 name>.stored`.
    assert.deepEqual(new Map([...roles].map(([k, v]) => [k.replace(/\.stored$/, ''), v])), reference);
  });
}
