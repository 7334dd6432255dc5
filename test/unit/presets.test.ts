/** Optimizer presets: each resolves to a valid config, and the short form carries the preset's keys. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OPTIMIZER_PRESETS, presetById } from '../../runtime/optim/presets';
import { resolveConfig } from '../../runtime/protocol';
import { buildShortFormConfig } from '../../extension/short-form';

test('every preset is a valid optimizer section; the recommended one is MeZO (best on held-out tasks); the HELENE preset is layerwise with automatic blocks', () => {
  assert.equal(OPTIMIZER_PRESETS[0].id, 'mezo');
  assert.match(OPTIMIZER_PRESETS[0].label, /recommended/);
  assert.equal(OPTIMIZER_PRESETS.filter((p) => /recommended/.test(p.label)).length, 1);
  for (const p of OPTIMIZER_PRESETS) {
    const { config } = resolveConfig({ model: { path: 'm.onnx' }, data: { train: 't.jsonl' }, optimizer: p.optimizer });
    assert.equal(config.optimizer.name, p.optimizer.name, p.id);
  }
  const recommended = resolveConfig({ model: { path: 'm.onnx' }, data: { train: 't.jsonl' }, optimizer: presetById('helene')!.optimizer }).config.optimizer as unknown as Record<string, unknown>;
  assert.equal(recommended.variant, 'layerwise');
  assert.equal(recommended.blocks, 'auto');
  assert.equal(recommended.curvatureFloor, 0.1, 'issue 16: no block steps more than 10x a mean-curvature block');
  const paper = resolveConfig({ model: { path: 'm.onnx' }, data: { train: 't.jsonl' }, optimizer: presetById('helene-paper')!.optimizer }).config.optimizer as unknown as Record<string, unknown>;
  assert.equal(paper.variant, 'paper', 'the spec defaults stay available as "helene (paper)"');
});

test('the short form writes the preset keys with the chosen lr', () => {
  const user = buildShortFormConfig(
    { modelPath: 'model.onnx', trainPath: 'train.jsonl', optimizer: 'helene', optimizerPreset: presetById('helene')!.optimizer, lr: 0.01, steps: 100 },
    '/ws/.helene/configs',
    '/ws',
  );
  assert.deepEqual(user.optimizer, { name: 'helene', variant: 'layerwise', blocks: 'auto', curvatureFloor: 0.1, lr: 0.01 });
});
