/**
 * Every webview (run panel, compare, Experiments) under the Content-Security-Policy the extension builds, with VS Code's real
 * cspSource ('self' https://*.vscode-cdn.net, field notes): loading, rendering a run / a comparison,
 * switching theme and opening a dropdown must report no CSP violation (securitypolicyviolation
 * events, recorded by the webview stub) and log no console error (Chromium logs each refused
 * inline style there). Issue 14: an inline-style violation appeared in the console.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { renderPanelHtml } from '../../extension/panel/panel-html';
import { renderCompareHtml } from '../../webview/compare/compare-html';
import { renderExperimentsHtml } from '../../webview/experiments/experiments-html';
import { fixtureModel, post, settle, startExperimentsHarness } from './experiments-harness';
import { runIds, showModel, startCompareModelHarness, syntheticComparison, type CompareModelHarness } from './compare-model-harness';
import { VSCODE_CSP_SOURCE, replayIntoPanel, settlePanel, startPanelHarness, type PanelHarness } from './panel-harness';
import { buildSyntheticRun } from './synthetic-run';
import { LIGHT_THEME } from './vscode-webview-stub';

let panel: PanelHarness;
let compare: CompareModelHarness;
before(async () => {
  [panel, compare] = await Promise.all([startPanelHarness(), startCompareModelHarness()]);
});
after(async () => {
  await panel?.close();
  await compare?.close();
});

const violations = (page: Page) => page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations);

async function toLightTheme(page: Page): Promise<void> {
  await page.evaluate((t) => {
    for (const [k, v] of Object.entries(t)) document.documentElement.style.setProperty(k, v);
    document.body.classList.replace('vscode-dark', 'vscode-light');
  }, LIGHT_THEME);
}

test('every page carries the real cspSource in a policy without unsafe-inline', () => {
  for (const html of [
    renderPanelHtml({ cspSource: VSCODE_CSP_SOURCE, nonce: 'dGVzdC1ub25jZS0xMjM0NTY3OA==', scriptUri: 'x.js', styleUri: 'x.css', title: 't' }),
    renderCompareHtml({ cspSource: VSCODE_CSP_SOURCE, nonce: 'dGVzdC1ub25jZS0xMjM0NTY3OA==', scriptUri: 'x.js', title: 't' }),
    renderExperimentsHtml({ cspSource: VSCODE_CSP_SOURCE, nonce: 'dGVzdC1ub25jZS0xMjM0NTY3OA==', scriptUri: 'x.js', title: 't' }),
  ]) {
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1].replace(/&#39;/g, "'");
    assert.match(csp, /style-src 'self' https:\/\/\*\.vscode-cdn\.net 'nonce-/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  }
});

test('run panel: no CSP violation, no console error (replay, theme switch, dropdown, marker tooltip)', async () => {
  const page = await panel.open();
  try {
    await replayIntoPanel(page, buildSyntheticRun());
    await toLightTheme(page);
    await settlePanel(page, 0);
    await page.locator('#x-axis').click();
    await page.locator('#x-axis vscode-option[value="examples"]').click();
    await settlePanel(page, 0);
    const box = (await page.locator('#chart-loss').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    assert.deepEqual(await violations(page), []);
    assert.deepEqual(panel.errors, []);
  } finally {
    await page.close();
  }
});

test('compare page: no CSP violation, no console error (3 runs, 20 runs, theme switch, dropdown)', async () => {
  const page = await compare.open();
  try {
    await showModel(page, syntheticComparison(runIds(3)));
    await showModel(page, syntheticComparison(runIds(20)));
    await toLightTheme(page);
    await page.waitForFunction(() => document.querySelector('.swatch[data-colour]') !== null);
    await page.locator('#baseline').click();
    await page.keyboard.press('Escape');
    assert.deepEqual(await violations(page), []);
    assert.deepEqual(compare.errors, []);
  } finally {
    await page.close();
  }
});

test('experiments page: no CSP violation, no console error (rows, sort, group, column chooser, scroll, theme switch)', async () => {
  const h = await startExperimentsHarness();
  const fx = fixtureModel({ count: 60, steps: 40 });
  try {
    const page = await h.open();
    await post(page, { type: 'experiments-data', model: fx.model });
    await page.click('.grid-head [data-col="metric:evalLoss.best"]');
    await page.selectOption('#group-by', 'optimizer');
    await page.click('#columns-toggle');
    await page.click('#column-list li[data-col="param:optimizer.eps"] input');
    await page.locator('#grid').evaluate((g) => g.scrollTo(0, 10_000));
    await toLightTheme(page);
    await settle(page);
    assert.deepEqual(await violations(page), []);
    assert.deepEqual(h.errors, []);
  } finally {
    fx.cleanup();
    await h.close();
  }
});
