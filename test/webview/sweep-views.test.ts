/**
 * The sweep views page in headless Chromium over the synthetic sweep whose importances are known
 * (test/fixtures/synthetic-sweep.ts: metric = 5·f(lr) + 1·g(eps) + 0·seed + noise):
 *   - brushing an axis of the parallel coordinates keeps exactly the runs inside the range, dims the
 *     others (in the scatter too) and posts the Experiments table's filter; a click clears it;
 *   - the scatter draws lr (two decades) on a log axis: points sit at log10 positions;
 *   - the importance table ranks lr > eps > seed, with the model's numbers, seed not above chance.
 * Screenshots (dark, light): test-artifacts/screenshots/sweep-views-*.png.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { SweepViewsModel } from '../../runtime/protocol';
import type { PageHarness } from './panel-harness';
import { SCREENSHOTS, showSweep, startSweepViewsHarness, syntheticSweepModel } from './sweep-views-harness';
import { DARK_THEME, LIGHT_THEME } from './vscode-webview-stub';

let h: PageHarness;
let model: SweepViewsModel;
before(async () => {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  h = await startSweepViewsHarness();
  model = syntheticSweepModel();
});
after(async () => h?.close());

type Posted = { type: string; ranges?: Record<string, [number | null, number | null]>; id?: string };
const posted = (page: Page) => page.evaluate(() => (window as unknown as { __posted: unknown[] }).__posted) as Promise<Posted[]>;
const lastFilter = async (page: Page) => (await posted(page)).filter((m) => m.type === 'filter').at(-1);

/** Page coordinates of an axis's tick (by its label) in the parallel coordinates. */
async function tickPoint(page: Page, axis: string, label: string): Promise<{ x: number; y: number }> {
  return page.$eval(`#parcoords g.axis[data-axis="${axis}"]`, (g, label) => {
    const tick = [...g.querySelectorAll('line.tick')].find((t) => (t as SVGElement).dataset.label === label);
    if (!tick) throw new Error(`no tick ${label}`);
    const line = g.querySelector('line.axis-line')!.getBoundingClientRect();
    return { x: line.left + line.width / 2, y: tick.getBoundingClientRect().top };
  }, label);
}

async function drag(page: Page, from: { x: number; y: number }, to: { x: number; y: number }): Promise<void> {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 3 });
  await page.mouse.move(to.x, to.y, { steps: 3 });
  await page.mouse.up();
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

const activeLines = (page: Page) => page.$$eval('#parcoords path.line[data-active="true"]', (ps) => ps.map((p) => (p as SVGElement).dataset.run!).sort());
const keptPoints = (page: Page) => page.$$eval('#scatter circle.point:not(.dimmed)', (cs) => cs.map((c) => (c as SVGElement).dataset.run!).sort());

describe('parallel coordinates', () => {
  test('brushing lr keeps exactly the runs in the range (lines and scatter points), posts the table filter; a second brush intersects; a click clears', async () => {
    const page = await h.open({ width: 1000, height: 1400 });
    try {
      await showSweep(page, model);
      const all = model.rows.map((r) => r.id).sort();
      assert.deepEqual(await activeLines(page), all, 'every run drawn and kept before any brush');
      // Brush lr over its two smallest grid values (the axis's bottom two ticks).
      const low = await tickPoint(page, 'optimizer.lr', '1e-4');
      const next = await tickPoint(page, 'optimizer.lr', '3e-4');
      await drag(page, { x: low.x, y: low.y + 4 }, { x: low.x, y: next.y - 4 });
      const expected = model.rows.filter((r) => (r.params['optimizer.lr'] as number) <= 3e-4).map((r) => r.id).sort();
      assert.equal(expected.length, 24);
      assert.deepEqual(await activeLines(page), expected);
      assert.deepEqual(await keptPoints(page), expected, 'the scatter follows the brush');
      assert.equal(await page.$$eval('#parcoords path.line.dimmed', (ps) => ps.length), 60 - 24);
      assert.equal(await page.$eval('#selection', (e) => (e as HTMLElement).dataset.kept), '24');
      const f1 = await lastFilter(page);
      assert.deepEqual(Object.keys(f1?.ranges ?? {}), ['optimizer.lr']);
      const [lo, hi] = f1!.ranges!['optimizer.lr'] as [number, number];
      assert.ok(lo <= 1e-4 && hi >= 3e-4 && hi < 1e-3, `lr range [${lo}, ${hi}] holds 1e-4 and 3e-4 only`);

      // Brush the metric axis too: its lower half; the kept runs are both brushes' intersection.
      const metricAxis = 'metric:evalLoss.best';
      const box = await page.$eval(`#parcoords g.axis[data-axis="${metricAxis}"] line.axis-line`, (l) => {
        const r = l.getBoundingClientRect();
        return { x: r.left + r.width / 2, top: r.top, bottom: r.bottom };
      });
      await drag(page, { x: box.x, y: box.bottom - 1 }, { x: box.x, y: (box.top + box.bottom) / 2 });
      const f2 = await lastFilter(page);
      assert.deepEqual(Object.keys(f2!.ranges!).sort(), [metricAxis, 'optimizer.lr'].sort());
      const [mlo, mhi] = f2!.ranges![metricAxis] as [number, number];
      const both = model.rows.filter((r) => (r.params['optimizer.lr'] as number) <= 3e-4 && r.metrics.evalLoss!.best >= mlo && r.metrics.evalLoss!.best <= mhi).map((r) => r.id).sort();
      assert.ok(both.length > 0 && both.length < 24, `the intersection keeps ${both.length}`);
      assert.deepEqual(await activeLines(page), both);
      await page.screenshot({ path: path.join(SCREENSHOTS, 'sweep-views-brushed-dark.png'), fullPage: true });

      // A click on the lr axis clears its brush: only the metric's range is left.
      await page.mouse.click(low.x, (low.y + next.y) / 2);
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(r)));
      assert.deepEqual(Object.keys((await lastFilter(page))!.ranges!), [metricAxis]);
      assert.ok((await activeLines(page)).length > both.length);
      assert.deepEqual(h.errors, []);
      assert.deepEqual(await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations), []);
    } finally {
      await page.close();
    }
  });

  test('brushing a categorical axis keeps its levels and sends no range for it (the table takes numeric ranges)', async () => {
    const cat: SweepViewsModel = {
      ...model,
      params: [...model.params, { key: 'optimizer.name', kind: 'categorical', values: ['mezo', 'helene'], log: false }],
      rows: model.rows.map((r, i) => ({ ...r, params: { ...r.params, 'optimizer.name': i % 2 ? 'helene' : 'mezo' } })),
    };
    const page = await h.open({ width: 1000, height: 1400 });
    try {
      await showSweep(page, cat);
      const p = await tickPoint(page, 'optimizer.name', 'helene');
      await drag(page, { x: p.x, y: p.y - 4 }, { x: p.x, y: p.y + 12 });
      assert.deepEqual(await activeLines(page), cat.rows.filter((_, i) => i % 2).map((r) => r.id).sort());
      assert.deepEqual((await lastFilter(page))!.ranges, {});
    } finally {
      await page.close();
    }
  });
});

describe('scatter', () => {
  test('lr spans two decades: a log x axis, points at log10 positions; switching log off or to seed gives a linear axis', async () => {
    const page = await h.open({ width: 1000, height: 1400 });
    try {
      await showSweep(page, model);
      // The most important parameter is shown first.
      assert.equal(await page.$eval('#scatter-x-axis', (g) => (g as SVGElement).dataset.param), 'optimizer.lr');
      assert.equal(await page.$eval('#scatter-x-axis', (g) => (g as SVGElement).dataset.scale), 'log');
      assert.deepEqual(await page.$$eval('#scatter-x-axis text.tick-label', (ts) => ts.map((t) => t.textContent)), ['1e-4', '1e-3', '1e-2']);
      const cx = () => page.$$eval('#scatter circle.point', (cs) => Object.fromEntries(cs.map((c) => [(c as SVGElement).dataset.x, Number(c.getAttribute('cx'))])));
      let at = await cx();
      const ratio = (x: Record<string, number>) => (x['0.0003'] - x['0.0001']) / (x['0.01'] - x['0.0001']);
      assert.ok(Math.abs(ratio(at) - Math.log10(3) / 2) < 0.005, `3e-4 at ${ratio(at)} of the way from 1e-4 to 1e-2 (log: ${Math.log10(3) / 2})`);
      assert.ok(Math.abs((at['0.001'] - at['0.0001']) / (at['0.01'] - at['0.0001']) - 0.5) < 0.005, '1e-3 midway');
      await page.screenshot({ path: path.join(SCREENSHOTS, 'sweep-views-scatter-log-dark.png'), fullPage: true });
      await page.click('#scatter-log-x');
      await page.waitForFunction(() => (document.querySelector('#scatter-x-axis') as SVGElement).dataset.scale === 'linear');
      at = await cx();
      assert.ok(Math.abs(ratio(at) - (3e-4 - 1e-4) / (1e-2 - 1e-4)) < 0.005, `linear: ${ratio(at)}`);
      await page.$eval('#scatter-param', (el) => {
        (el as HTMLElement & { value: string }).value = 'seed';
        el.dispatchEvent(new Event('change'));
      });
      await page.waitForFunction(() => (document.querySelector('#scatter-x-axis') as SVGElement).dataset.param === 'seed');
      assert.equal(await page.$eval('#scatter-x-axis', (g) => (g as SVGElement).dataset.scale), 'linear');
      assert.equal(await page.$eval('#scatter-log-x', (c) => (c as HTMLInputElement).checked), false);
    } finally {
      await page.close();
    }
  });
});

describe('importance', () => {
  for (const [themeName, theme] of [['dark', DARK_THEME], ['light', LIGHT_THEME]] as const) {
    test(`${themeName} theme: ranked lr > eps > seed with the model's numbers; seed at chance; the same order for accuracy`, async () => {
      const page = await h.open({ theme, width: 1000, height: 1400 });
      try {
        await showSweep(page, model);
        const rows = () => page.$$eval('#importance-table tbody tr[data-key]', (trs) => trs.map((tr) => ({ key: (tr as HTMLElement).dataset.key!, fraction: Number((tr as HTMLElement).dataset.fraction), above: tr.classList.contains('above-chance') })));
        const shown = await rows();
        assert.deepEqual(shown.map((r) => r.key), ['optimizer.lr', 'optimizer.eps', 'seed']);
        assert.deepEqual(shown.map((r) => r.fraction), model.importance['evalLoss.best'].parameters.map((p) => p.fraction));
        assert.deepEqual(shown.map((r) => r.above), [true, true, false]);
        assert.ok(shown[0].fraction > 0.9 && shown[2].fraction < 0.005);
        await page.screenshot({ path: path.join(SCREENSHOTS, `sweep-views-importance-${themeName}.png`), fullPage: true });
        await page.$eval('#metric', (el) => {
          (el as HTMLElement & { value: string }).value = 'evalAccuracy.best';
          el.dispatchEvent(new Event('change'));
        });
        await page.waitForFunction(() => document.querySelector('#parcoords g.axis[data-axis="metric:evalAccuracy.best"]') !== null);
        assert.deepEqual((await rows()).map((r) => r.key), ['optimizer.lr', 'optimizer.eps', 'seed']);
        assert.deepEqual(h.errors, []);
      } finally {
        await page.close();
      }
    });
  }
});
