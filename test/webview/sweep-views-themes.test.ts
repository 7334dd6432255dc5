/**
 * The sweep views page in VS Code 1.100's dark, light and high-contrast themes (the variables and
 * body class dumped from code-server, test/webview/themes/*.json): the text, backgrounds and borders
 * of the page's own elements, and the plots' axes, ticks and titles (SVG fill and stroke), are theme
 * variables' colours, nothing hard-coded; the metric-coloured lines (viridis) are the exception by
 * design. Screenshots with a brush set: test-artifacts/screenshots/sweep-views-<theme>.png.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { PageHarness } from './panel-harness';
import { SCREENSHOTS, showSweep, startSweepViewsHarness, syntheticSweepModel } from './sweep-views-harness';
import { THEME_COLOURS_SOURCE, THEMES, themeSet } from './theme-sets';

/** Colours no theme variable has, as [element, property, colour] (page-side source, as THEME_COLOURS_SOURCE). */
const FOREIGN_COLOURS = `(() => {${THEME_COLOURS_SOURCE}
  const none = (c) => !c || c === 'none' || c === 'rgba(0, 0, 0, 0)' || c === 'transparent';
  const out = [];
  const name = (el) => el.id ? '#' + el.id : el.tagName.toLowerCase() + '.' + String(el.getAttribute('class') || '').trim().split(/\\s+/).join('.');
  for (const el of document.querySelectorAll('body, body *')) {
    if (el.closest('script, style, option, title') || el.matches('path.line:not(.dimmed)')) continue;
    const r = el.getBoundingClientRect();
    if ((r.width === 0 && r.height === 0) || getComputedStyle(el).visibility === 'hidden') continue;
    const cs = getComputedStyle(el);
    const svg = el instanceof SVGElement && el.tagName !== 'svg';
    if (svg && el.tagName === 'g') continue;
    // What each SVG shape really paints: lines and paths a stroke (path fill is none), text a fill.
    const checks = !svg ? [['color', cs.color], ['background-color', cs.backgroundColor]]
      : el.tagName === 'line' || el.tagName === 'path' ? [['stroke', cs.stroke]]
      : el.tagName === 'text' ? [['fill', cs.fill]]
      : [['fill', cs.fill], ['stroke', cs.stroke]];
    if (!svg) for (const side of ['top', 'right', 'bottom', 'left']) {
      if (parseFloat(cs.getPropertyValue('border-' + side + '-width')) > 0 && cs.getPropertyValue('border-' + side + '-style') !== 'none') checks.push(['border-' + side, cs.getPropertyValue('border-' + side + '-color')]);
    }
    for (const [prop, c] of checks) if (!none(c) && !allowed.has(rgb(c))) out.push(name(el) + ' ' + prop + ' ' + c);
  }
  probe.remove();
  return [...new Set(out)];
})()`;

let h: PageHarness;
before(async () => {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  h = await startSweepViewsHarness();
});
after(async () => h?.close());

for (const name of THEMES) {
  test(`${name} theme: every colour of the page and its plots is a theme variable's; screenshot`, async () => {
    const theme = themeSet(name);
    const page = await h.open({ theme: theme.variables, bodyClass: theme.bodyClass, width: 1000, height: 1400 });
    try {
      await showSweep(page, syntheticSweepModel());
      // A brush on lr's lower half, so the screenshot shows dimmed lines and the brush box.
      const box = await page.$eval('#parcoords g.axis[data-axis="optimizer.lr"] line.axis-line', (l) => {
        const r = l.getBoundingClientRect();
        return { x: r.left + r.width / 2, top: r.top, bottom: r.bottom };
      });
      await page.mouse.move(box.x, box.bottom - 2);
      await page.mouse.down();
      await page.mouse.move(box.x, (box.top + box.bottom) / 2, { steps: 4 });
      await page.mouse.up();
      await page.waitForSelector('#parcoords path.line.dimmed');
      const foreign = (await page.evaluate(FOREIGN_COLOURS)) as string[];
      await page.screenshot({ path: path.join(SCREENSHOTS, `sweep-views-${name}.png`), fullPage: true });
      assert.deepEqual(foreign, [], `colours of no ${name} theme variable`);
      assert.deepEqual(h.errors, []);
    } finally {
      await page.close();
    }
  });
}
