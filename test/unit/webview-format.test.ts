import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LAYER_COLUMNS, layerRowCells } from '../../webview/panel/layer-columns';
import { formatCount, formatPercent, formatSignificant } from '../../webview/panel/number-format';
import { formatCompact } from '../../webview/panel/view-model';

test('significant-digit formatting', () => {
  assert.equal(formatSignificant(0.2556164706788844), '0.256');
  assert.equal(formatSignificant(1.848745512234018e-7), '1.85e-7');
  assert.equal(formatSignificant(3.4447684288024902), '3.44');
  assert.equal(formatSignificant(12345), '1.23e+4');
  assert.equal(formatSignificant(0), '0');
  assert.equal(formatSignificant(Number.NaN), 'NaN');
  assert.equal(formatSignificant(undefined), '—');
  assert.equal(formatSignificant(-Infinity), '−∞');
});

test('counts, percentages, compact labels', () => {
  assert.equal(formatCount(1048576), '1,048,576');
  assert.equal(formatCount(384), '384');
  assert.equal(formatPercent(0.6875), '68.8%');
  assert.equal(formatPercent(undefined), '—');
  assert.equal(formatCompact(0.002), '0.002');
  assert.equal(formatCompact(1e-5), '1e-5');
});

test('a layer row has one cell per column, in order, MeZO rows without h show dashes', () => {
  const cells = layerRowCells({ name: 'fc1.weight', size: 384, updateRms: 0.00426639688495531, thetaRms: 0.22833522311775428, updateToWeight: 0.018684795217753573 });
  assert.equal(cells.length, LAYER_COLUMNS.length);
  assert.deepEqual(cells, ['fc1.weight', '384', '—', '—', '—', '—', '—', '—', '—', '—', '0.00427', '0.228', '0.0187']);
});
