import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LayerStatsRecord } from '../../runtime/protocol';
import { HeatmapModel } from '../../webview/panel/heatmap-model';

const record = (t: number, values: Record<string, number | undefined>): LayerStatsRecord => ({
  kind: 'layers',
  t,
  layers: Object.entries(values).map(([name, v]) => ({ name, size: 4, hMean: v, floorFraction: v, updateRms: 1, thetaRms: 1, updateToWeight: 1 })),
});

test('rows follow the declared order; missing and non-positive log values are gaps', () => {
  const h = new HeatmapModel({ recentColumns: 4, mergedColumns: 4 });
  h.declareLayers(['b', 'a']);
  h.add(record(1, { a: 0.5, b: 0 }));
  h.add(record(2, { a: 100, c: 0.25 }));
  const m = h.matrix('hMean');
  assert.deepEqual(m.layers, ['b', 'a', 'c']);
  assert.deepEqual(m.columns, [{ tFirst: 1, tLast: 1 }, { tFirst: 2, tLast: 2 }]);
  const cells = [...m.cells];
  assert.ok(Number.isNaN(cells[0]), 'log10(0) is a gap'); // b @1
  assert.ok(Number.isNaN(cells[1])); // b @2 missing
  assert.equal(cells[2], Math.fround(Math.log10(0.5))); // a @1
  assert.equal(cells[3], 2); // a @2 = log10(100)
  assert.ok(Number.isNaN(cells[4])); // c @1 (layer not yet seen)
  assert.equal(cells[5], Math.fround(Math.log10(0.25)));
  assert.deepEqual(m.range, { min: Math.fround(Math.log10(0.25)), max: 2 });
  assert.equal(h.matrix('lambda').range, null, 'no lambda anywhere');
});

test('old columns merge (weighted mean) within the cap, the newest stay exact', () => {
  const h = new HeatmapModel({ recentColumns: 2, mergedColumns: 2 });
  for (let t = 1; t <= 10; t++) h.add(record(t, { a: t / 10 }));
  const m = h.matrix('floorFraction');
  assert.ok(m.columns.length <= 4);
  assert.deepEqual(m.columns.slice(-2), [{ tFirst: 9, tLast: 9 }, { tFirst: 10, tLast: 10 }]);
  assert.equal(m.columns[0].tFirst, 1);
  // Merged columns of t = 1..8: means of t/10 over their spans.
  const merged = m.columns.slice(0, -2);
  merged.forEach((c, j) => {
    const mean = (c.tFirst + c.tLast) / 2 / 10;
    assert.ok(Math.abs(m.cells[j] - mean) < 1e-6, `column ${c.tFirst}-${c.tLast}: ${m.cells[j]} vs ${mean}`);
  });
});
