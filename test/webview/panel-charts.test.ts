/**
 * The run panel's charts in headless Chromium (issue 14): event labels never overprint, the
 * schedule's lines stay inside the plot area, the step-time chart's throughput is a thin moving
 * mean with its number in the caption, the charts follow the panel's size. The layout is read back
 * from what the chart plugin computed on its last draw (window.__heleneDebug); screenshots in both
 * themes go to test-artifacts/webview/panel-charts-*.png.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { StepRecord } from '../../runtime/protocol';
import type { HeleneDebugHook } from '../../webview/panel/debug-hook';
import { THROUGHPUT_READOUT_STEPS } from '../../webview/panel/smooth';
import { formatCount } from '../../webview/panel/number-format';
import { boxesIntersect } from '../../webview/marker-layout';
import { ARTIFACTS, replayIntoPanel, settlePanel, startPanelHarness, type PanelHarness } from './panel-harness';
import { DEFAULT_SYNTHETIC, buildSyntheticRun } from './synthetic-run';
import { crowdedRun } from './panel-charts-fixture';
import { DARK_THEME, LIGHT_THEME } from './vscode-webview-stub';

declare const window: { __heleneDebug: HeleneDebugHook };

let h: PanelHarness;
before(async () => {
  h = await startPanelHarness();
});
after(async () => h?.close());

const CHARTS = ['loss', 'schedule', 'timing'];

async function assertNoOverprint(page: Page, what: string): Promise<void> {
  const layout = await page.evaluate(() => window.__heleneDebug.chartMarkerLayout()!);
  const geometry = await page.evaluate(() => window.__heleneDebug.chartGeometry()!);
  const markers = await page.evaluate(() => window.__heleneDebug.chartMarkerStyles()!);
  for (const id of CHARTS) {
    const groups = layout[id];
    const boxes = groups.flatMap((g) => (g.box ? [g.box] : []));
    assert.ok(boxes.length >= 4, `${what} ${id}: labels drawn: ${boxes.length}`);
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        assert.ok(!boxesIntersect(boxes[i], boxes[j]), `${what} ${id}: "${boxes[i].lines.join(' ')}" overprints "${boxes[j].lines.join(' ')}": ${JSON.stringify([boxes[i], boxes[j]])}`);
      }
    }
    const area = geometry[id].area;
    for (const b of boxes) assert.ok(b.x >= area.left && b.x + b.w <= area.right && b.y >= area.top, `${what} ${id}: label outside the plot: ${JSON.stringify(b)}`);
    // Every marker is drawn, in exactly one group; a hidden or shortened label is in the tooltip.
    assert.equal(groups.reduce((n, g) => n + g.members.length, 0), markers.length, `${what} ${id}: every marker drawn once`);
    for (const g of groups) for (const m of g.members) assert.ok(g.tooltip.split('\n').includes(`${m.x}: ${m.label}`), `${what} ${id}: tooltip of ${m.label}`);
  }
}

describe('event markers at the same and adjacent steps', () => {
  for (const [themeName, theme] of [['dark', DARK_THEME], ['light', LIGHT_THEME]] as const) {
    test(`${themeName} theme, wide and narrow panel: no two label boxes intersect; one step's events share one label`, async () => {
      const page = await h.open({ theme, width: 1280 });
      try {
        await replayIntoPanel(page, crowdedRun());
        await assertNoOverprint(page, 'wide');
        const layout = await page.evaluate(() => window.__heleneDebug.chartMarkerLayout()!);
        for (const id of CHARTS) {
          const at150 = layout[id].find((g) => g.members.some((m) => m.x === 150))!;
          assert.deepEqual(at150.members.map((m) => m.label), ['paused', 'lr=0.0015', 'resumed'], `${id}: paused, lr and resumed at 150/151 are one marker`);
          assert.equal(at150.label, 'paused · lr=0.0015 · resumed');
          assert.equal(at150.tooltip, '150: paused\n150: lr=0.0015\n151: resumed');
          assert.ok(at150.box, `${id}: the merged label is drawn`);
        }
        await page.locator('.chart-section').screenshot({ path: path.join(ARTIFACTS, `panel-charts-markers-${themeName}.png`) });
        // The tooltip: the pointer on the merged marker's line shows the full list as the canvas title.
        const g = layout.loss.find((x) => x.members.some((m) => m.x === 150))!;
        const canvas = await page.locator('#chart-loss').boundingBox();
        const area = (await page.evaluate(() => window.__heleneDebug.chartGeometry()!)).loss.area;
        await page.mouse.move(canvas!.x + g.pxs[0], canvas!.y + (area.top + area.bottom) / 2);
        await page.waitForFunction(() => document.querySelector('#chart-loss')?.getAttribute('title')?.includes('resumed'));
        assert.equal(await page.locator('#chart-loss').getAttribute('title'), '150: paused\n150: lr=0.0015\n151: resumed');

        // Narrower: the same markers are closer together; still nothing overprints.
        await page.setViewportSize({ width: 700, height: 900 });
        await page.waitForFunction(() => (window.__heleneDebug.chartGeometry()!.loss.canvas.cssWidth ?? 9999) < 680);
        await settlePanel(page, 0);
        await assertNoOverprint(page, 'narrow');
        await page.locator('.chart-section').screenshot({ path: path.join(ARTIFACTS, `panel-charts-markers-narrow-${themeName}.png`) });
        assert.deepEqual(h.errors, []);
      } finally {
        await page.close();
      }
    });
  }
});

describe('schedule chart', () => {
  for (const [name, run] of [
    ['lr halved at step 150 (1e-3 → 5e-4: both round tick values)', buildSyntheticRun()],
    ['constant lr', buildSyntheticRun({ ...DEFAULT_SYNTHETIC, changeAt: 0 })],
  ] as const) {
    test(`${name}: every lr and αₜ point is drawn inside the plot area, off its border`, async () => {
      const page = await h.open();
      try {
        await replayIntoPanel(page, run);
        const g = (await page.evaluate(() => window.__heleneDebug.chartGeometry()!)).schedule;
        assert.deepEqual(g.datasets.map((d) => [d.label, d.axis]), [['αₜ (annealing)', 'y'], ['lrₜ', 'y1']]);
        for (const d of g.datasets) {
          assert.equal(d.pixelYs.length, 300);
          const top = Math.min(...d.pixelYs);
          const bottom = Math.max(...d.pixelYs);
          // Clear of the frame by more than the line's own width.
          assert.ok(top >= g.area.top + 4, `${d.label}: highest point at ${top.toFixed(1)} px, plot top ${g.area.top.toFixed(1)}`);
          assert.ok(bottom <= g.area.bottom - 4, `${d.label}: lowest point at ${bottom.toFixed(1)} px, plot bottom ${g.area.bottom.toFixed(1)}`);
        }
      } finally {
        await page.close();
      }
    });
  }
});

describe('step-time chart', () => {
  test('examples/s is a thin dashed moving mean on its own axis, not a band; its current value is in the caption', async () => {
    const run = buildSyntheticRun();
    const raw = run.records.filter((r): r is StepRecord => r.kind === 'step').map((r) => r.examplesPerSec);
    const page = await h.open();
    try {
      await replayIntoPanel(page, run);
      const g = (await page.evaluate(() => window.__heleneDebug.chartGeometry()!)).timing;
      const throughput = g.datasets.find((d) => d.label.startsWith('examples/s'))!;
      assert.equal(throughput.axis, 'y1');
      assert.equal(throughput.fill, false);
      assert.equal(throughput.dashed, true);
      assert.ok(throughput.borderWidth <= 1);
      assert.equal(throughput.ys.length, raw.length, 'one point per step');
      // Total variation: what the eye sees as "noise". The raw series zig-zags; the mean must not.
      const variation = (ys: number[]) => ys.slice(1).reduce((s, y, i) => s + Math.abs(y - ys[i]), 0);
      assert.ok(variation(throughput.ys) < 0.15 * variation(raw), `drawn ${variation(throughput.ys).toFixed(0)} vs raw ${variation(raw).toFixed(0)}`);
      const mean = (ys: number[]) => ys.reduce((a, b) => a + b, 0) / ys.length;
      assert.ok(Math.abs(mean(throughput.ys) - mean(raw)) / mean(raw) < 0.01, 'the mean keeps the level');
      // The ms series are untouched (the split is what the chart is for).
      const forward = g.datasets.find((d) => d.label === 'forward')!;
      assert.deepEqual(forward.ys, run.records.filter((r): r is StepRecord => r.kind === 'step').map((r) => r.timing.forwardMs));
      assert.equal(await page.locator('#throughput-readout').innerText(), `${formatCount(mean(raw.slice(-THROUGHPUT_READOUT_STEPS)))} examples/s`);
      for (const [themeName, theme] of [['dark', DARK_THEME], ['light', LIGHT_THEME]] as const) {
        if (themeName === 'light') {
          await page.evaluate((t) => {
            for (const [k, v] of Object.entries(t)) document.documentElement.style.setProperty(k, v);
            document.body.classList.replace('vscode-dark', 'vscode-light');
          }, theme);
          await settlePanel(page, 0);
        }
        await page.locator('#chart-timing').screenshot({ path: path.join(ARTIFACTS, `panel-charts-timing-${themeName}.png`) });
      }
    } finally {
      await page.close();
    }
  });
});

describe('resizing', () => {
  test('the charts follow the panel: canvas width tracks its box when the viewport narrows and widens', async () => {
    const page = await h.open({ width: 1280 });
    try {
      await replayIntoPanel(page, buildSyntheticRun());
      const sizes = async () => {
        const g = await page.evaluate(() => window.__heleneDebug.chartGeometry()!);
        const boxes = await page.$$eval('.chart-box', (els) => els.map((e) => e.clientWidth));
        return CHARTS.map((id, i) => ({ canvas: g[id].canvas.cssWidth, pixels: g[id].canvas.width, box: boxes[i] }));
      };
      const wide = await sizes();
      for (const width of [640, 1000, 1600]) {
        await page.setViewportSize({ width, height: 900 });
        await page.waitForFunction(
          () => [...document.querySelectorAll('.chart-box')].every((b) => Math.abs(b.querySelector('canvas')!.clientWidth - b.clientWidth) <= 1),
        );
        await settlePanel(page, 0);
        const now = await sizes();
        for (const s of now) {
          assert.ok(Math.abs(s.canvas - s.box) <= 1, `viewport ${width}: canvas ${s.canvas} px in a ${s.box} px box`);
          assert.equal(s.pixels, s.canvas, 'backing store follows (device pixel ratio 1)');
        }
        assert.notEqual(now[0].canvas, wide[0].canvas, `viewport ${width}: the chart was resized`);
      }
      assert.deepEqual(h.errors, []);
    } finally {
      await page.close();
    }
  });
});
