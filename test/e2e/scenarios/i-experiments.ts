/**
 * Scenario i, the Experiments page (issue 19): six synthetic run folders land in the workspace's
 * runs folder (scripts/experiment-runs-fixture.ts, no training), the Runs view's title button
 * "Open Experiments" opens the page, which shows one row per run with the parameters that differ;
 * a typed numeric filter narrows the rows. The page's --vscode-* variables are dumped per theme
 * (test-artifacts/e2e/theme-variables-<theme>.json: the browser tests' theme sets come from here)
 * and screenshots are taken in dark, light and high contrast.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import { writeExperimentRuns } from '../../../scripts/experiment-runs-fixture';
import { ARTIFACTS, setTheme, step, waitFor, webviewFrame, type Theme, type Workbench } from '../workbench';
import { openRunsView } from './ui';

const ROWS = 6;

async function themeVariables(frame: Frame): Promise<{ bodyClass: string; themeKind: string | null; variables: Record<string, string> }> {
  return frame.evaluate(() => {
    const style = document.documentElement.style;
    const variables: Record<string, string> = {};
    for (let i = 0; i < style.length; i++) {
      const name = style[i];
      if (name.startsWith('--vscode-')) variables[name] = style.getPropertyValue(name).trim();
    }
    return { bodyClass: document.body.className, themeKind: document.body.getAttribute('data-vscode-theme-kind'), variables };
  });
}

export async function scenarioIExperiments(wb: Workbench): Promise<void> {
  const page = wb.page;
  const runs = await step(`write ${ROWS} synthetic run folders into the workspace's runs folder`, () => writeExperimentRuns(path.join(wb.workspace, 'runs'), { count: ROWS, steps: 60, seed: 9 }));
  const view = await openRunsView(page);
  await step('the Runs view title button "Open Experiments"', async () => {
    await view.locator('.pane-header').first().hover();
    await view.locator('.pane-header .action-label[aria-label="Open Experiments"]').first().click();
  });
  const frame = await step('the Experiments page appears', () => webviewFrame(page, '#grid', 15_000));
  const ours = await step('it lists the synthetic runs', () =>
    waitFor(`${ROWS} rows of the synthetic runs`, async () => {
      const ids = await frame.$$eval('.grid-body .row[data-id]:not([hidden])', (rows) => rows.map((r) => (r as HTMLElement).dataset.id!));
      const found = runs.filter((r) => ids.includes(r.id));
      return found.length === ROWS ? found : undefined;
    }, 15_000),
  );
  assert.equal(ours.length, ROWS);
  const header = await frame.$$eval('.grid-head [data-col]', (cells) => cells.map((c) => (c as HTMLElement).dataset.col));
  assert.ok(header.includes('param:optimizer.lr'), `the lr differs across the runs: a column (${header.join(', ')})`);
  await step('a numeric filter narrows the rows', async () => {
    await frame.locator('#filter').fill('lr > 5e-4');
    await waitFor('only runs with lr > 5e-4', async () => {
      const ids = await frame.$$eval('.grid-body .row[data-id]:not([hidden])', (rows) => rows.map((r) => (r as HTMLElement).dataset.id!));
      const want = runs.filter((r) => r.lr > 5e-4).map((r) => r.id);
      return ids.length > 0 && ids.every((id) => !runs.some((r) => r.id === id) || want.includes(id)) && want.every((id) => ids.includes(id));
    }, 10_000);
  });
  // Out of the search box: the palette's Escape (theme switches) would clear it, as Escape does in a search field.
  await frame.locator('#group-by').focus();
  for (const theme of ['dark', 'light', 'hc'] as Theme[]) {
    await setTheme(page, theme);
    await page.waitForTimeout(500); // the webview repaints after the variables change
    const vars = await themeVariables(frame);
    assert.ok(Object.keys(vars.variables).length > 100, `VS Code set its theme variables on the page (${theme})`);
    // The browser tests' webview stub sets the same body class and data-vscode-theme-kind (the UI toolkit reads it).
    assert.equal(vars.themeKind, vars.bodyClass.split(' ').find((c) => c.startsWith('vscode-')), `data-vscode-theme-kind (${theme})`);
    fs.writeFileSync(path.join(ARTIFACTS, `theme-variables-${theme}.json`), JSON.stringify(vars, null, 2) + '\n');
    await page.screenshot({ path: path.join(ARTIFACTS, `i-experiments-${theme}.png`) });
  }
  await setTheme(page, 'dark');
  await frame.locator('#filter').fill('');
}
