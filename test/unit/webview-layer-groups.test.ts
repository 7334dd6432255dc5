/**
 * webview/panel/layer-groups.ts: block keys of real exporters' names, exact group statistics (an RMS
 * of a group is the RMS over all its elements), and heatmap rows merged to a bound.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blockOf, combineStats, heatmapRows, layerRows, matchesFilter } from '../../webview/panel/layer-groups';
import { HeatmapModel } from '../../webview/panel/heatmap-model';
import type { LayerStat } from '../../runtime/protocol';

test('block keys of GPT-2, Llama, BERT, LoRA and anonymous exporter names', () => {
  assert.equal(blockOf('model.layers.12.self_attn.q_proj.weight'), 'model.layers.12');
  assert.equal(blockOf('transformer.h.3.mlp.c_fc.weight'), 'transformer.h.3');
  assert.equal(blockOf('h.3.c_fc.weight.lora_A'), 'h.3');
  assert.equal(blockOf('encoder.layer.0.attention.self.query.weight'), 'encoder.layer.0');
  assert.equal(blockOf('wte.weight'), 'wte');
  assert.equal(blockOf('onnx::MatMul_1234'), 'onnx');
  assert.ok(matchesFilter('model.layers.11.self_attn.q_proj.weight', 'ATTN 11'));
  assert.ok(!matchesFilter('model.layers.11.mlp.up_proj.weight', 'attn 11'));
});

const stat = (name: string, size: number, updateRms: number, thetaRms: number, hMean: number): LayerStat => ({ name, size, updateRms, thetaRms, updateToWeight: updateRms / thetaRms, hMean, hMin: hMean / 10, hMax: hMean * 10 });

test('a group row: sizes add, RMS over all elements, size-weighted means, min of mins', () => {
  const a = stat('b.0.x', 100, 1, 2, 1);
  const b = stat('b.0.y', 300, 3, 4, 5);
  const g = combineStats('b.0', [a, b]);
  assert.equal(g.size, 400);
  // RMS over 400 elements: sqrt((100·1² + 300·3²) / 400)
  assert.equal(g.updateRms, Math.sqrt((100 * 1 + 300 * 9) / 400));
  assert.equal(g.thetaRms, Math.sqrt((100 * 4 + 300 * 16) / 400));
  assert.equal(g.updateToWeight, g.updateRms / g.thetaRms);
  assert.equal(g.hMean, (100 * 1 + 300 * 5) / 400);
  assert.equal(g.hMin, 0.1);
  assert.equal(g.hMax, 50);
  const view = layerRows([a, b, stat('head.weight', 8, 1, 1, 1)], { filter: '', groupByBlock: true });
  assert.deepEqual(view.rows.map((r) => r.name), ['b.0 (2 tensors)', 'head.weight']);
  assert.deepEqual(view.counts, [2, 1]);
});

test('heatmap rows: grouped by block, filtered, and merged into at most maxRows bands', () => {
  const model = new HeatmapModel();
  const names = Array.from({ length: 100 }, (_, i) => `blocks.${Math.floor(i / 4)}.w${i % 4}`);
  model.add({ kind: 'layers', t: 10, layers: names.map((n, i) => ({ ...stat(n, 10, 1, 1, 1), floorFraction: i / 100 })) });
  const m = model.matrix('floorFraction');
  assert.equal(heatmapRows(m, { filter: '', groupByBlock: false }), m, 'nothing to merge: the same matrix');
  const grouped = heatmapRows(m, { filter: '', groupByBlock: true });
  assert.equal(grouped.layers.length, 25);
  assert.ok(Math.abs(grouped.cells[0] - (0 + 1 + 2 + 3) / 400) < 1e-7, `block 0 mean: ${grouped.cells[0]}`);
  const banded = heatmapRows(m, { filter: '', groupByBlock: false }, 30);
  assert.ok(banded.layers.length <= 30, `${banded.layers.length} rows`);
  assert.equal(banded.layers[0], 'blocks.0.w0 … blocks.0.w3');
  const filtered = heatmapRows(m, { filter: 'w1', groupByBlock: false });
  assert.equal(filtered.layers.length, 25);
  assert.ok(filtered.layers.every((n) => n.endsWith('.w1')));
});
