/**
 * Scenario f (issue 14): a sweep from the extension. "HELENE: Start sweep…" over a demo config with a
 * 4-run grid, 2 at a time (workspace setting heleneStudio.sweepParallel = 2); the Sweeps view shows
 * its progress and its runs; "HELENE: Stop sweep" stops it; "HELENE: Compare sweep runs" opens the
 * compare page with the runs' curves and summary table. Asserted on what the user sees (view rows,
 * the compare page) and on the files written (runs/.sweeps/<id>.json, the run folders).
 *
 * The grid's first axis makes two short runs (they finish while the sweep runs) and two long ones
 * (they are running when the sweep is stopped), so one sweep shows every kind of row.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame, Locator } from 'playwright-core';
import { pickQuick, readJson, runCommand, runCommandAndPick, screenshots, step, waitFor, webviewFrame, type Workbench } from '../workbench';
import { editorTabTitles } from './ui';

export const SWEEP_CONFIG = 'sweep-base.helene.json';
const SHORT_STEPS = 2_000;
const LONG_STEPS = 400_000;
const GRID = `steps=${SHORT_STEPS},${LONG_STEPS}; optimizer.lr=0.003,0.01`;

/** Called before code-server starts: the sweep's base config and 2 runs at a time. */
export function prepareSweepWorkspace(dir: string): void {
  const demo = JSON.parse(fs.readFileSync(path.join(dir, 'helene.helene.json'), 'utf8'));
  fs.writeFileSync(path.join(dir, SWEEP_CONFIG), JSON.stringify({ ...demo, name: 'sweep-demo', steps: SHORT_STEPS, evalEvery: 500 }, null, 2));
  const settingsFile = path.join(dir, '.vscode', 'settings.json');
  fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
  const settings = fs.existsSync(settingsFile) ? JSON.parse(fs.readFileSync(settingsFile, 'utf8')) : {};
  fs.writeFileSync(settingsFile, JSON.stringify({ ...settings, 'heleneStudio.sweepParallel': 2 }, null, 2));
}

type SweepFile = { id: string; state: string; parallel: number; entries: { runId: string; label: string; state: string }[] };

export async function sweepScenario(wb: Workbench): Promise<void> {
  const page = wb.page;
  const sweepsDir = path.join(wb.workspace, 'runs', '.sweeps');
  const sweepFiles = () => (fs.existsSync(sweepsDir) ? fs.readdirSync(sweepsDir).filter((f) => f.endsWith('.json')) : []);
  const before = new Set(sweepFiles());

  await runCommandAndPick(page, 'HELENE: Start sweep…', SWEEP_CONFIG);
  await step('type the grid; the input box counts the runs', async () => {
    const input = page.locator('.quick-input-widget input.input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(GRID);
    await page.locator('.quick-input-widget .quick-input-message', { hasText: /^4 runs:/ }).waitFor({ timeout: 10_000 });
    await input.press('Enter');
  });
  await pickQuick(page, 'best eval loss');

  const file = await step('the sweep file is written', () => waitFor('a new runs/.sweeps/*.json', () => sweepFiles().find((f) => !before.has(f)), 10_000));
  const sweepPath = path.join(sweepsDir, file);
  const record = () => readJson<SweepFile>(sweepPath)!;
  const id = record().id;
  assert.equal(record().entries.length, 4, 'four runs planned');
  assert.equal(record().parallel, 2, 'two at a time (heleneStudio.sweepParallel)');

  const sweepsPane = page.locator('.pane', { has: page.locator('.pane-header', { hasText: /Sweeps/ }) }).first();
  const sweepRow = sweepsPane.locator('.monaco-list-row', { hasText: id }).first();
  /** A tree row as "label — description" (the two are separate elements in the row). */
  const rowText = async (row: Locator) => {
    const label = await row.locator('.label-name').first().innerText();
    const description = await row.locator('.label-description').first().innerText().catch(() => '');
    return `${label.trim()} — ${description.replace(/\s+/g, ' ').trim()}`;
  };

  // Two at a time: while the short pair runs, the long pair waits.
  const running = await step('the Sweeps view shows the sweep running, 2 at a time', () =>
    waitFor('the sweep row reads "… 2 running, …"', async () => {
      const t = await rowText(sweepRow).catch(() => '');
      const r = record();
      const counts = countStates(r);
      assert.ok((counts.running ?? 0) <= 2, `more than 2 runs at once: ${JSON.stringify(counts)}`);
      return / — .*2 running/.test(t) ? { t, counts } : undefined;
    }, 30_000),
  );
  console.log(`[e2e] f: the Sweeps view reads "${running.t}"`);

  const progressed = await step('the short runs finish and the long ones start', () =>
    waitFor('the sweep row reads "2/4 done, 2 running"', async () => {
      const t = await rowText(sweepRow).catch(() => '');
      return / — 2\/4 done, 2 running$/.test(t) ? t : undefined;
    }, 60_000),
  );
  console.log(`[e2e] f: the Sweeps view reads "${progressed}"`);
  const runRows = sweepsPane.locator('.monaco-list-row', { hasText: /^\s*\d+\. / });
  await step('the sweep lists its four runs, ranked', () => waitFor('4 run rows', async () => (await runRows.count()) === 4, 10_000));
  const rows = await Promise.all((await runRows.all()).map(rowText));
  console.log(`[e2e] f: run rows: ${rows.join(' | ')}`);
  assert.equal(rows.filter((r) => /^\d\. steps=2000 lr=0\.0\d+ — finished · best eval loss \d\.\d{4} · step 2000\/2000$/.test(r)).length, 2, 'two finished rows with their best eval loss');
  assert.equal(rows.filter((r) => /^\d\. steps=400000 lr=0\.0\d+ — running · /.test(r)).length, 2, 'two running rows');
  // Starting the sweep opened no run panel (4 tabs for 4 runs): the Sweeps view's rows open them on demand.
  const tabsWhileRunning = await editorTabTitles(page);
  for (const e of record().entries) assert.ok(!tabsWhileRunning.some((t) => t.includes(e.runId)), `no run panel opened by itself for ${e.runId}: ${JSON.stringify(tabsWhileRunning)}`);
  await screenshots(wb, 'f-sweep-running');

  await runCommand(page, 'HELENE: Stop sweep');
  await pickIfAsked(page, id);
  await step('the sweep stops: its file says stopped', () => waitFor('state stopped in the sweep file', () => record().state === 'stopped', 20_000));
  const stopped = await step('the Sweeps view shows it stopped', () =>
    waitFor('the sweep row reads "4/4 done, 2 stopped (sweep stopped)"', async () => {
      const t = await rowText(sweepRow).catch(() => '');
      return / — 4\/4 done, 2 stopped \(sweep stopped\)$/.test(t) ? t : undefined;
    }, 15_000),
  );
  console.log(`[e2e] f: after Stop sweep the view reads "${stopped}"`);
  const ended = record();
  assert.deepEqual(ended.entries.map((e) => e.state).sort(), ['finished', 'finished', 'stopped', 'stopped']);
  for (const e of ended.entries) {
    const status = readJson(path.join(wb.workspace, 'runs', e.runId, 'status.json'));
    assert.equal(status?.state, e.state, `${e.runId}: status.json says ${status?.state}, the sweep file ${e.state}`);
    if (e.state === 'stopped') assert.ok(status.step < LONG_STEPS, `${e.runId} stopped early (step ${status.step})`);
    assert.ok(fs.existsSync(path.join(wb.workspace, 'runs', e.runId, 'summary.json')), `${e.runId} has its summary`);
  }

  await runCommand(page, 'HELENE: Compare sweep runs');
  await pickIfAsked(page, id);
  const compare: Frame = await step('the compare page opens', () => webviewFrame(page, '#summary-table', 20_000));
  const summaryRows = await step('its summary table lists the four runs', () =>
    waitFor('4 rows in the summary table', async () => {
      const ts = await compare.locator('#summary-table tbody tr').allInnerTexts();
      return ts.length === 4 ? ts : undefined;
    }, 15_000),
  );
  for (const e of ended.entries) assert.ok(summaryRows.some((r) => r.includes(e.label.split(' ')[0].split('=')[1])), `the summary table has the run ${e.label}`);
  const curves = await compare.evaluate(() => (window as any).__heleneCompareDebug.chartXs());
  const lossChart = Object.values(curves.charts as Record<string, { title: string; datasets: { label: string; xs: number[] }[] }>)[0];
  const withPoints = lossChart.datasets.filter((d) => d.xs.length > 0);
  console.log(`[e2e] f: compare page: ${summaryRows.length} summary rows; first chart's curves: ${withPoints.map((d) => `${d.label} (${d.xs.length} points)`).join(', ')}`);
  assert.ok(withPoints.length >= 4, `the first chart draws a curve per run (${withPoints.length})`);
  const compareTabs = await editorTabTitles(page);
  assert.ok(compareTabs.some((t) => /^Compare: [^,]+, [^,]+ \+2$/.test(t)), `the compare tab names two runs and "+2": ${JSON.stringify(compareTabs)}`);
  await screenshots(wb, 'f-sweep-compare');
  await runCommand(page, 'View: Close All Editors');
}

/** Sweep commands ask which sweep when none is selected in the view: answer with `id` if asked. */
async function pickIfAsked(page: Workbench['page'], id: string): Promise<void> {
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: id }).first();
  const asked = await row.waitFor({ state: 'visible', timeout: 5_000 }).then(() => true, () => false);
  if (asked) await row.click();
}

function countStates(r: SweepFile): Record<string, number> {
  const c: Record<string, number> = {};
  for (const e of r.entries) c[e.state] = (c[e.state] ?? 0) + 1;
  return c;
}
