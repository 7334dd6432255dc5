/**
 * Scenario d, the Runs view: four finished runs made from the terminal (the CLI writes into the
 * workspace's runs folder; the view picks them up by itself), then, from the view's context menus:
 * a finished run's panel opens, is closed and opens again from the row's inline button with its
 * recorded curves; rename (an empty name refused), notes and tags land in run.json and the row;
 * delete asks first (Cancel keeps the folder, Delete removes it and its row); three runs compare;
 * the compare page's "Export CSV" writes the summary table through the save dialog.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readJson, ROOT, runCommand, screenshots, step, waitFor, webviewFrame, type Workbench } from '../workbench';
import { answerDialog, answerFileDialog, answerInput, contextAction, editorTabTitles, openRunsView, panelDebug, panelStep, panelTitled, runsRow, seriesCount } from './ui';

// 5000: the recommended preset (blocks "auto") picks row blocks from about here; at 3000 it picks layer
// blocks, with which its lr 0.01 trips the explosion guard (a clear failure, but not what d is about).
const STEPS = 5000;

/** A finished run of `config` named `name`, made with the CLI as a user would from a terminal. */
function cliRun(workspace: string, config: string, name: string, steps: number | null = STEPS): string {
  const runsDir = path.join(workspace, 'runs');
  const before = new Set(fs.existsSync(runsDir) ? fs.readdirSync(runsDir) : []);
  const r = spawnSync(
    process.execPath,
    [path.join(ROOT, 'dist', 'cli.js'), 'train', '--config', path.join(workspace, config), ...(steps === null ? [] : ['--steps', String(steps)]), '--set', `name=${JSON.stringify(name)}`, '--set', 'evalEvery=500', '--quiet'],
    { cwd: workspace, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`e2e step "make the run ${name}": the CLI exited ${r.status}: ${r.stderr}`);
  const made = fs.readdirSync(runsDir).filter((d) => !before.has(d));
  if (made.length !== 1 || !fs.existsSync(path.join(runsDir, made[0], 'summary.json'))) throw new Error(`e2e step "make the run ${name}": expected one new finished run folder in ${runsDir}, found ${JSON.stringify(made)}`);
  return path.join(runsDir, made[0]);
}

/** Parses the RFC 4180 CSV the export writes (no field here holds a comma or a quote). */
function csvRows(text: string): string[][] {
  return text.trimEnd().split('\r\n').map((l) => l.split(','));
}

export async function scenarioDRunsView(wb: Workbench): Promise<void> {
  const page = wb.page;
  const ws = wb.workspace;
  const { mezo, helene, recommended, scratch } = await step('make four finished runs from the CLI', () => ({
    mezo: cliRun(ws, 'mezo.helene.json', 'd-mezo'),
    helene: cliRun(ws, 'helene.helene.json', 'd-helene'),
    // At its own 20,000 steps: shortened to 5,000 at its lr 0.01, the layerwise preset trips the
    // explosion guard on the demo (measured after issue 16's preset change; noted in docs/heldout.md).
    recommended: cliRun(ws, 'helene-recommended.helene.json', 'd-helene-recommended', null),
    scratch: cliRun(ws, 'mezo.helene.json', 'd-scratch'),
  }));

  const view = await openRunsView(page);
  await step('the Runs view lists the runs made outside VS Code', async () => {
    for (const name of ['d-mezo', 'd-helene', 'd-helene-recommended', 'd-scratch']) await runsRow(view, new RegExp(`^${name}$`)).waitFor({ timeout: 15_000 });
  });
  const heleneRow = () => runsRow(view, /^d-helene$/);
  assert.match(await heleneRow().innerText(), /finished/);

  // A finished run's panel: open, close its tab, open again (a closed panel must not be "revealed").
  const checkRecorded = async (how: string) => {
    const panel = await panelTitled(page, /^d-helene · /);
    await step(`the recorded panel (${how}) shows the finished run`, () =>
      waitFor('state finished, every step, loss and eval points', async () => {
        const d = await panelDebug(panel);
        return (await panel.locator('#run-state').innerText()) === 'finished' && (await panelStep(panel)) === STEPS && seriesCount(d, 'loss', 'train loss') > 0 && seriesCount(d, 'loss', 'eval loss') > 0;
      }, 15_000),
    );
    assert.match(await panel.locator('#run-title').innerText(), /\(recorded\)/);
    assert.equal(await panel.locator('#control-pause').getAttribute('disabled'), '', 'a finished run cannot be paused');
    return panel;
  };
  await contextAction(page, heleneRow(), 'Open run panel');
  await checkRecorded('context menu');
  const tab = page.locator('.tabs-container .tab', { hasText: path.basename(helene) }).first();
  await step("close the panel's tab", async () => {
    await tab.hover();
    await tab.locator('.tab-actions .action-label').first().click();
    await tab.waitFor({ state: 'detached', timeout: 5_000 });
  });
  await step("reopen it from the row's inline button", async () => {
    await heleneRow().hover();
    await heleneRow().locator('.actions .action-label[aria-label="Open run panel"]').first().click();
  });
  await checkRecorded('reopened after its tab was closed');
  await screenshots(wb, 'd-reopened-panel');

  // Rename: an empty name is refused in the box; the new name reaches run.json and the row.
  await contextAction(page, heleneRow(), 'Rename run…');
  await answerInput(page, { title: `Rename ${path.basename(helene)}`, prefilled: 'd-helene', refused: [['   ', /A run name cannot be empty/]], value: 'd-helene (lr 0.003)' });
  await step('the row shows the new name', () => runsRow(view, 'd-helene (lr 0.003)').waitFor({ timeout: 10_000 }));
  assert.equal(readJson(path.join(helene, 'run.json')).name, 'd-helene (lr 0.003)');
  const renamedRow = () => runsRow(view, 'd-helene (lr 0.003)');

  await contextAction(page, renamedRow(), 'Edit run notes…');
  await answerInput(page, { title: 'Notes for d-helene (lr 0.003)', prefilled: '', value: 'paper settings; compare with MeZO' });
  await step('the notes are in run.json', () => waitFor('run.json notes', () => readJson(path.join(helene, 'run.json'))?.notes === 'paper settings; compare with MeZO', 5_000));

  await contextAction(page, renamedRow(), 'Edit run tags…');
  await answerInput(page, { title: 'Tags of d-helene (lr 0.003)', prefilled: '', refused: [['x'.repeat(61), /longer than 60 characters/]], value: 'baseline,  e2e , baseline' });
  await step('the tags are in run.json, trimmed and once each', () => waitFor('run.json tags', () => JSON.stringify(readJson(path.join(helene, 'run.json'))?.tags) === '["baseline","e2e"]', 5_000));

  // Delete asks first; Cancel keeps the folder, Delete removes it and its row.
  const scratchRow = () => runsRow(view, /^d-scratch$/);
  await contextAction(page, scratchRow(), 'Delete run folder…');
  const question = await answerDialog(page, 'Cancel');
  assert.match(question, new RegExp(`Delete the run folder "${path.basename(scratch)}"\\?`));
  assert.match(question, /Nothing else is removed/);
  assert.ok(fs.existsSync(scratch), 'Cancel keeps the folder');
  await contextAction(page, scratchRow(), 'Delete run folder…');
  await answerDialog(page, 'Delete');
  await step('the folder and its row are gone', async () => {
    await waitFor('the run folder deleted', () => !fs.existsSync(scratch), 5_000);
    await scratchRow().waitFor({ state: 'detached', timeout: 10_000 });
  });

  // Compare three runs: a multi-selection and its context menu.
  await step('select three runs', async () => {
    await runsRow(view, /^d-mezo$/).click();
    await renamedRow().click({ modifiers: ['Control'] });
    await runsRow(view, /^d-helene-recommended$/).click({ modifiers: ['Control'] });
  });
  await contextAction(page, runsRow(view, /^d-helene-recommended$/), 'Compare runs');
  const compare = await step('the compare page', () => webviewFrame(page, '#summary-table', 15_000));
  const rows = await step('its summary table lists the three runs', () =>
    waitFor('three rows in the summary table', async () => {
      const t = await compare.locator('#summary-table tbody tr').allInnerTexts();
      return t.length === 3 ? t : undefined;
    }, 10_000),
  );
  for (const name of ['d-mezo', 'd-helene (lr 0.003)', 'd-helene-recommended']) assert.ok(rows.some((r) => r.includes(name)), `${name} in ${JSON.stringify(rows)}`);
  // The tab names the runs by their names (shortened), not their folder ids: "Compare: d-mezo, d-helene (lr 0.003) +1".
  const tabs = await editorTabTitles(page);
  assert.ok(tabs.some((t) => /^Compare: (d-mezo|d-helene \(lr 0\.003\)|d-helene-recommended), (d-mezo|d-helene \(lr 0\.003\)|d-helene-recommended) \+1$/.test(t)), `the compare tab's title: ${JSON.stringify(tabs)}`);
  assert.ok((await compare.locator('canvas').count()) >= 2, 'overlay charts are drawn');
  assert.match(await compare.locator('#target-line').innerText(), /\S/);
  await screenshots(wb, 'd-compare');

  // Export CSV through the save dialog.
  const csvFile = path.join(ws, 'compare-summary.csv');
  fs.rmSync(csvFile, { force: true });
  await compare.locator('#export-summary-csv').click();
  await answerFileDialog(page, csvFile, 'OK'); // code-server's save dialog labels its button OK whatever saveLabel says
  await step('the page says where it saved', () => waitFor('the notice', async () => (await compare.locator('#notice').innerText()) === `saved ${csvFile}`, 10_000));
  const csv = csvRows(fs.readFileSync(csvFile, 'utf8'));
  const header = csv[0];
  assert.deepEqual(header.slice(0, 4), ['run', 'name', 'optimizer', 'baseline']);
  assert.equal(csv.length, 4, 'a header and one row per compared run');
  const col = (row: string[], name: string) => row[header.indexOf(name)];
  const optimizers = new Map([[mezo, 'mezo'], [helene, 'helene'], [recommended, 'helene (layerwise)']]);
  for (const [dir, optimizer] of optimizers) {
    const row = csv.find((r) => r[0] === path.basename(dir));
    assert.ok(row, `${path.basename(dir)} has a row`);
    const manifest = readJson(path.join(dir, 'run.json'));
    const summary = readJson(path.join(dir, 'summary.json'));
    assert.equal(col(row, 'name'), manifest.name);
    assert.equal(col(row, 'optimizer'), optimizer);
    assert.equal(Number(col(row, 'steps')), dir === recommended ? readJson(path.join(ws, 'helene-recommended.helene.json')).steps : STEPS);
    assert.equal(Number(col(row, 'final_eval_loss')), summary.finalEval.loss, `${manifest.name}: the final eval loss of its summary.json`);
  }
  assert.equal(csv.slice(1).filter((r) => col(r, 'baseline') === 'true').length, 1, 'exactly one baseline');
  await runCommand(page, 'View: Close All Editors');
}
