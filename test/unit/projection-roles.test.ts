/**
 * LoRA target presets find attention and feed-forward projections from the graph's wiring: checked
 * on seven exported fixtures (GPT-2- and Llama-style decoders with KV-cache signatures, BERT-like and
 * torch encoders) and on a copy of a decoder whose every
 * tensor was renamed to an opaque `onnx::MatMul_N`-style name, so names cannot be what decides.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEMO_DEFAULTS, writeDemoWorkspace } from '../../runtime/demo/demo-task';
import { execFileSync, spawnSync } from 'node:child_process';
import { readModel } from '../../runtime/onnx/model-io';
import { projectionRoles } from '../../runtime/onnx/projection-roles';
import { insertLora } from '../../runtime/onnx/lora';
import { inspectModel } from '../../runtime/onnx/model-inspect';
import type { OnnxModel } from '../../runtime/onnx/onnx-types';

const lm = (name: string) => path.join(__dirname, '..', 'fixtures', 'lm', name, 'model.onnx');

/** Attention weights by each exporter's module names (the MLP is the rest, the head is `classifier`). */
const ATTENTION_NAMES: Record<string, RegExp> = {
  'tiny-gpt': /\.attn\./,
  'gcide-gpt': /\.attn\./,
  'tiny-encoder': /\.attention\./,
  'gcide-encoder': /\.attention\./,
  'kv-gpt2': /\.c_attn\.|\.c_proj\./, // its MLP's output projection is mlp_proj
  'kv-llama': /\.self_attn\./, // rotary positions, grouped-query attention, SwiGLU MLP
  'kv-encoder': /\.self_attn\./, // torch's fused in_proj_weight
};
const expectedRole = (fixture: string, name: string) => (/classifier/.test(name) ? 'head' : ATTENTION_NAMES[fixture].test(name) ? 'attention' : 'mlp');

/** Every initializer renamed (and every use of it), so only the wiring is left. */
function anonymise(model: OnnxModel): { model: OnnxModel; original: Map<string, string> } {
  const copy = structuredClone(model);
  const rename = new Map<string, string>();
  copy.graph.initializer.forEach((t, i) => rename.set(t.name ?? '', `onnx::MatMul_${1000 + i}`));
  for (const t of copy.graph.initializer) t.name = rename.get(t.name ?? '');
  for (const node of copy.graph.node) node.input = node.input.map((i) => rename.get(i) ?? i);
  return { model: copy, original: new Map([...rename].map(([a, b]) => [b, a])) };
}

describe('projection roles (lora.targetPreset)', () => {
  for (const fixture of Object.keys(ATTENTION_NAMES)) {
    it(`${fixture}: every projection gets the role its module has`, () => {
      const roles = projectionRoles(readModel(lm(fixture)).graph, 'logits');
      assert.ok(roles.size >= 8, `${roles.size} projections`);
      for (const [name, role] of roles) assert.equal(role, expectedRole(fixture, name), name);
      const counts = [...roles.values()].reduce<Record<string, number>>((a, r) => ((a[r] = (a[r] ?? 0) + 1), a), {});
      assert.ok(counts.attention > 0 && counts.mlp > 0, JSON.stringify(counts));
    });
  }

  it('decides from the wiring, not the names: an anonymised decoder gets the same roles', () => {
    const model = readModel(lm('gcide-gpt'));
    const { model: anon, original } = anonymise(model);
    const named = projectionRoles(model.graph);
    const anonymous = projectionRoles(anon.graph);
    assert.equal(anonymous.size, named.size);
    for (const [name, role] of anonymous) assert.equal(role, named.get(original.get(name)!), original.get(name));
  });

  it('insertLora with targetPreset adapts exactly the projections of those roles', () => {
    const graph = readModel(lm('tiny-gpt')).graph;
    const roles = projectionRoles(graph);
    const adapters = insertLora(structuredClone(graph), { rank: 2, alpha: 4, targets: ['never-matches'], targetPreset: 'mlp', seed: 1 }, 'tiny-gpt');
    const want = [...roles].filter(([, r]) => r === 'mlp').map(([n]) => n).sort();
    assert.deepEqual(adapters.map((a) => a.weight).sort(), want);
    const both = insertLora(structuredClone(graph), { rank: 2, alpha: 4, targets: ['.*'], targetPreset: 'attention-mlp', seed: 1 }, 'tiny-gpt');
    assert.equal(both.length, [...roles.values()].filter((r) => r !== 'head').length);
  });

  it('a preset that finds nothing says so and names what the graph has', () => {
    // The demo's MLP has feed-forward projections and a head, but no attention.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-roles-'));
    const graph = readModel(writeDemoWorkspace(dir, { ...DEMO_DEFAULTS, steps: 10 }).model).graph;
    assert.throws(() => insertLora(graph, { rank: 2, alpha: 4, targets: [], targetPreset: 'attention', seed: 1 }, 'demo.onnx'), /^Error: demo\.onnx: lora\.targetPreset "attention" finds no attention projection in this graph \(it has: (mlp, head|head, mlp)\); name the weights in lora\.targets instead$/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('helene-studio inspect', () => {
  it('tells a decoder from a classifier and counts what each choice trains', () => {
    const gpt = inspectModel(lm('tiny-gpt'));
    assert.equal(gpt.task, 'causal-lm');
    assert.equal(gpt.outputWidth, 2000);
    const enc = inspectModel(lm('tiny-encoder'));
    assert.equal(enc.task, 'classification');
    assert.equal(enc.outputWidth, 2);
    assert.deepEqual(enc.head.sort(), ['classifier.bias', 'classifier.weight']);
    assert.equal(enc.presets.all!.tensors, 38);
    assert.ok(enc.presets['all-but-embeddings']!.parameters < enc.presets.all!.parameters);
    assert.equal(enc.lora['attention-mlp'].tensors, enc.lora.attention.tensors + enc.lora.mlp.tensors);
  });

  it('prints through the CLI, and a missing file is one line', () => {
    const cli = path.join(__dirname, '..', '..', 'dist', 'cli.js');
    const json = JSON.parse(execFileSync(process.execPath, [cli, 'inspect', lm('tiny-gpt'), '--json'], { encoding: 'utf8' }));
    assert.equal(json.task, 'causal-lm');
    const missing = spawnSync(process.execPath, [cli, 'inspect', 'no-such.onnx'], { encoding: 'utf8' });
    assert.equal(missing.status, 1);
    assert.equal(missing.stderr.trim(), 'error: ONNX model file not found: no-such.onnx');
  });
});
