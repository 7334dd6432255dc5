/**
 * Theming (issue 19 item 4): every page — run panel, compare page, Experiments — in VS Code's dark,
 * light and high-contrast themes, with the --vscode-* variables and body class VS Code 1.100 really
 * sets (test/webview/themes/*.json, dumped from code-server by e2e scenario i-experiments):
 *   - every colour the page's own elements show comes from the theme: each computed text,
 *     background and border colour equals one of the theme's variable values (or is transparent,
 *     or inherited text colour); a hard-coded colour would show as a colour of no variable;
 *   - the charts draw with the theme's colours, and re-colour when the theme switches while the
 *     page is open (VS Code rewrites the variables and the body class in place);
 *   - screenshots of each page in each theme: test-artifacts/screenshots/<page>-<theme>.png.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { showModel, startCompareModelHarness, syntheticComparison, runIds } from './compare-model-harness';
import { fixtureModel, post, startExperimentsHarness } from './experiments-harness';
import { replayIntoPanel, startPanelHarness, type PageHarness } from './panel-harness';
import { REPO_ROOT } from './build-panel-bundle';
import { buildSyntheticRun } from './synthetic-run';
import { THEME_COLOURS_SOURCE, THEMES, themeSet, type ThemeName, type ThemeSet } from './theme-sets';

const SCREENSHOTS = path.join(REPO_ROOT, 'test-artifacts', 'screenshots');

/**
 * Colours of the page's own elements that no theme variable has: [selector, property, colour].
 * Skipped: canvases (checked through the charts' options), the run swatches and run-coloured
 * cells (per-theme run palette, run-colours.ts), the UI toolkit's shadow DOM (styled by the toolkit
 * from the same variables). Page-side source, as THEME_COLOURS_SOURCE.
 */
const FOREIGN_COLOURS = `(() => {${THEME_COLOURS_SOURCE}
  probe.remove();
  const transparent = (c) => c === 'rgba(0, 0, 0, 0)' || c === 'transparent';
  const out = [];
  const name = (el) => el.id ? '#' + el.id : el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  for (const el of document.querySelectorAll('body, body *')) {
    if (el.closest('canvas, .swatch, [data-run-colour], script, style, option')) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    const cs = getComputedStyle(el);
    if (cs.visibility === 'hidden') continue;
    const checks = [['color', cs.color], ['background-color', cs.backgroundColor]];
    for (const side of ['top', 'right', 'bottom', 'left']) {
      if (parseFloat(cs.getPropertyValue('border-' + side + '-width')) > 0 && cs.getPropertyValue('border-' + side + '-style') !== 'none') checks.push(['border-' + side + '-color', cs.getPropertyValue('border-' + side + '-color')]);
    }
    for (const [prop, c] of checks) if (!transparent(c) && !allowed.has(c)) out.push(name(el) + ' ' + prop + ' ' + c);
  }
  return [...new Set(out)];
})()`;

async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}

/** Switch the theme of an open page as VS Code does: rewrite the variables on <html>, swap the body class. */
async function switchTheme(page: Page, to: ThemeSet): Promise<void> {
  await page.evaluate((t) => {
    const root = document.documentElement;
    for (const name of [...root.style].filter((n) => n.startsWith('--vscode-'))) root.style.removeProperty(name);
    for (const [k, v] of Object.entries(t.variables)) root.style.setProperty(k, v);
    document.body.classList.remove('vscode-dark', 'vscode-light', 'vscode-high-contrast', 'vscode-high-contrast-light');
    document.body.classList.add(t.bodyClass);
    document.body.setAttribute('data-vscode-theme-kind', t.bodyClass);
  }, to);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

/** The rgb() form of a CSS colour, as the page computes it. */
function rgbOf(page: Page, colour: string): Promise<string> {
  return page.evaluate((c) => {
    const i = document.createElement('i');
    i.style.color = c;
    document.body.append(i);
    const out = getComputedStyle(i).color;
    i.remove();
    return out;
  }, colour);
}

type ChartTheme = Record<string, { ticks: string; grid: string; axisTitle: string; legend: string }>;

async function assertChartsFollow(page: Page, read: () => Promise<ChartTheme | null>, theme: ThemeSet, label: string): Promise<void> {
  const charts = await read();
  assert.ok(charts && Object.keys(charts).length > 0, `${label}: charts are drawn`);
  const muted = await rgbOf(page, theme.variables['--vscode-descriptionForeground']);
  const fg = await rgbOf(page, theme.variables['--vscode-charts-foreground'] ?? theme.variables['--vscode-foreground']);
  for (const [name, c] of Object.entries(charts!)) {
    assert.equal(await rgbOf(page, c.ticks), muted, `${label}: ${name} ticks in the theme's descriptionForeground`);
    assert.equal(await rgbOf(page, c.legend), fg, `${label}: ${name} legend in the theme's charts foreground`);
  }
}

interface PageCase {
  name: string;
  start(): Promise<PageHarness>;
  fill(page: Page): Promise<void>;
  charts?(page: Page): Promise<ChartTheme | null>;
}

const experiments = fixtureModel({ count: 12, steps: 80 }, { target: { kind: 'value', metric: 'evalLoss', value: 1.0 } });
after(() => experiments.cleanup());

const PAGES: PageCase[] = [
  {
    name: 'panel',
    start: () => startPanelHarness(),
    fill: (page) => replayIntoPanel(page, buildSyntheticRun()),
    charts: (page) => page.evaluate(() => (window as unknown as { __heleneDebug: { chartTheme(): ChartTheme | null } }).__heleneDebug.chartTheme()),
  },
  {
    name: 'compare',
    start: () => startCompareModelHarness(),
    fill: (page) => showModel(page, syntheticComparison(runIds(3), 200)),
    charts: (page) => page.evaluate(() => (window as unknown as { __heleneCompareDebug: { chartTheme(): ChartTheme } }).__heleneCompareDebug.chartTheme()),
  },
  {
    name: 'experiments',
    start: () => startExperimentsHarness(),
    fill: (page) => post(page, { type: 'experiments-data', model: experiments.model }),
  },
];

for (const p of PAGES) {
  describe(`${p.name} page themes`, () => {
    let h: PageHarness;
    after(async () => h?.close());
    for (const name of THEMES) {
      test(`${name}: every colour from the theme${p.charts ? ', charts too' : ''}; screenshot`, async () => {
        h ??= await p.start();
        const theme = themeSet(name);
        const page = await h.open({ theme: theme.variables, bodyClass: theme.bodyClass, width: 1200, height: 800 });
        await p.fill(page);
        const foreign = (await page.evaluate(FOREIGN_COLOURS)) as string[];
        assert.deepEqual(foreign, [], `${p.name} (${name}): colours that are not the theme's`);
        if (p.charts) await assertChartsFollow(page, () => p.charts!(page), theme, `${p.name} (${name})`);
        await screenshot(page, `${p.name}-${name}`);
        // The theme switches while the page is open: the charts and the colours follow.
        const next = themeSet(name === 'dark' ? 'light' : 'dark');
        await switchTheme(page, next);
        assert.deepEqual((await page.evaluate(FOREIGN_COLOURS)) as string[], [], `${p.name} (${name} → switched): colours that are not the theme's`);
        if (p.charts) await assertChartsFollow(page, () => p.charts!(page), next, `${p.name} (${name} → switched)`);
        assert.deepEqual(h.errors, [], h.errors.join('\n'));
        await page.close();
      });
    }
  });
}
