/**
 * The per-layer heatmap and table with hundreds of trainable tensors (issue 18: a decoder of 24+
 * blocks), in headless Chromium under the panel's real CSP: grouped by block by default, a name
 * filter that narrows both views, exact group sizes, and the heatmap's rows decimated to what the
 * canvas can draw when grouping is off.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { HeleneDebugHook } from '../../webview/panel/debug-hook';
import { formatCount } from '../../webview/panel/number-format';
import { ARTIFACTS, replayIntoPanel, settlePanel, startPanelHarness, type PanelHarness } from './panel-harness';
import { DEFAULT_SYNTHETIC, buildSyntheticRun, syntheticTrainables } from './synthetic-run';

declare const window: { __heleneDebug: HeleneDebugHook; __savedState?: Record<string, unknown> };

const TENSORS = 300; // 5 per block (synthetic-run.ts): blocks.0 … blocks.59, and head.weight last
const run = () => buildSyntheticRun({ ...DEFAULT_SYNTHETIC, layers: TENSORS, steps: 60, statsEvery: 10, evalEvery: 30 });
const trainables = syntheticTrainables(TENSORS);
const blockOfName = (n: string) => (/^blocks\.\d+/.exec(n)?.[0] ?? n);

let h: PanelHarness;
before(async () => {
  h = await startPanelHarness();
});
after(async () => h?.close());

const tableNames = (page: import('playwright-core').Page) => page.$$eval('#layer-table tbody tr', (rows) => rows.map((r) => (r as HTMLElement).dataset.layer ?? ''));

describe('per-layer views with 300 tensors', () => {
  test('grouped by block by default: one heatmap row and one table row per block, sizes added exactly', async () => {
    const page = await h.open();
    try {
      await replayIntoPanel(page, run());
      const blocks = new Set(trainables.map((t) => blockOfName(t.name)));
      assert.equal((await page.evaluate(() => window.__heleneDebug.heatmap()))?.rows, blocks.size);
      const names = await tableNames(page);
      assert.equal(names.length, blocks.size);
      assert.equal(names[0], 'blocks.0 (5 tensors)');
      const size0 = trainables.filter((t) => blockOfName(t.name) === 'blocks.0').reduce((a, t) => a + t.size, 0);
      const cells = await page.$$eval('#layer-table tbody tr:first-child > *', (els) => els.map((e) => e.textContent));
      assert.equal(cells[1], formatCount(size0));
      assert.equal(await page.locator('#layer-group').isChecked(), true);
      assert.match((await page.textContent('#layer-summary')) ?? '', /^300 tensors · 61 rows in the table$/);
      await page.screenshot({ path: path.join(ARTIFACTS, 'panel-layers-grouped.png'), fullPage: true });
    } finally {
      await page.close();
    }
    assert.deepEqual(h.errors, []);
  });

  test('the filter narrows the heatmap and the table alike, and is remembered', async () => {
    const page = await h.open();
    try {
      const r = run();
      await replayIntoPanel(page, r);
      await page.locator('#layer-filter input').fill('blocks.3 fc');
      await page.waitForFunction(() => /match/.test(document.querySelector('#layer-summary')?.textContent ?? ''));
      const matching = trainables.filter((t) => t.name.includes('blocks.3') && t.name.includes('fc'));
      const matchingBlocks = new Set(matching.map((t) => blockOfName(t.name)));
      assert.equal((await tableNames(page)).length, matchingBlocks.size);
      assert.equal((await page.evaluate(() => window.__heleneDebug.heatmap()))?.rows, matchingBlocks.size);
      assert.match((await page.textContent('#layer-summary')) ?? '', new RegExp(`^${matching.length} of 300 tensors match`));
      // Ungrouped: one row per matching tensor, in the model's order.
      await page.locator('#layer-group').uncheck();
      await page.waitForFunction((n) => document.querySelectorAll('#layer-table tbody tr').length === n, matching.length);
      assert.deepEqual(await tableNames(page), matching.map((t) => t.name));
      assert.deepEqual((await page.evaluate(() => window.__savedState))?.layerView, { filter: 'blocks.3 fc', groupByBlock: false });
    } finally {
      await page.close();
    }
  });

  test('ungrouped and unfiltered, the heatmap draws at most 240 rows (neighbours merged) while the table lists all 300', async () => {
    const page = await h.open({ state: { layerView: { filter: '', groupByBlock: false } } });
    try {
      await replayIntoPanel(page, run());
      const heat = await page.evaluate(() => window.__heleneDebug.heatmap());
      assert.ok(heat && heat.rows <= 240 && heat.rows >= 120, `heatmap rows: ${heat?.rows}`);
      assert.equal((await tableNames(page)).length, TENSORS);
      assert.equal(await page.locator('#layer-group').isChecked(), false);
      await settlePanel(page, 0);
    } finally {
      await page.close();
    }
  });
});
