/**
 * Scenario j: a webview that cannot start is reopened, not left blank. VS Code puts a webview's page
 * into its frame only once its service worker is registered; when that fails or hangs
 * (microsoft/vscode#125993) the tab stays blank for good. The CI runs of stops 24 and 25 hit exactly
 * that: the long run's panel opened right after "Close All Editors" showed nothing for 15 s.
 * Here the fault is made real: the browser refuses VS Code's webview service-worker script once,
 * so the panel's page never starts. The extension must notice (webview-load-watchdog.ts), say so in
 * its Output channel, close the tab and open it again — and the reopened panel shows the run.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { outputChannelText, pickQuick, runCommand, runDirs, screenshots, step, waitFor, type Workbench } from '../workbench';
import { editorTabTitles, panelTitled } from './ui';

export async function scenarioJWebviewRecovery(wb: Workbench): Promise<void> {
  const page = wb.page;
  const runDir = runDirs(wb.workspace)[0];
  const name = path.basename(runDir);
  await runCommand(page, 'View: Close All Editors');
  const refusedBefore = wb.browserLog.filter((l) => l.includes('REFUSED')).length;
  const reopenedBefore = (outputChannelText(wb.userDataDir).match(/opening it again \(1 of 2\)/g) ?? []).length;
  wb.failServiceWorkerScripts(1);
  try {
    await openRefused(wb, name, refusedBefore, reopenedBefore);
  } finally {
    wb.failServiceWorkerScripts(0); // never leave a refusal armed for a later scenario
  }
  await runCommand(page, 'View: Close All Editors');
}

async function openRefused(wb: Workbench, name: string, refusedBefore: number, reopenedBefore: number): Promise<void> {
  const page = wb.page;
  const t0 = Date.now();
  await runCommand(page, 'HELENE: Open run panel');
  // With one run in the folder the command opens it without asking; with many, the list is filtered
  // by the name (the oldest run is below the rows the list draws).
  if (runDirs(wb.workspace).length > 1) {
    await page.locator('.quick-input-widget input.input[placeholder="Pick a run"]').fill(name);
    await pickQuick(page, name);
  }
  await step('the browser refused the panel\'s service worker', () =>
    waitFor('a refused service-worker request', () => wb.browserLog.filter((l) => l.includes('REFUSED')).length > refusedBefore, 10_000),
  );
  const panel = await panelTitled(page, /demo-helene/, 30_000);
  const ms = Date.now() - t0;
  const out = outputChannelText(wb.userDataDir);
  assert.equal((out.match(/opening it again \(1 of 2\)/g) ?? []).length, reopenedBefore + 1, `the Output channel says the panel was reopened:\n${out.split('\n').slice(-8).join('\n')}`);
  assert.match(out, new RegExp(`the run panel of ${name} showed nothing for \\d+ s`));
  assert.match(await panel.locator('#run-step').innerText(), /[1-9]/, 'the reopened panel shows the recorded run');
  const tabs = (await editorTabTitles(page)).filter((t) => t.includes(name));
  assert.equal(tabs.length, 1, `one tab for the run, not a blank one left behind: ${JSON.stringify(await editorTabTitles(page))}`);
  console.log(`[e2e] j: the panel whose service worker was refused showed the run ${ms} ms after the command (reopened once)`);
  await screenshots(wb, 'j-webview-reopened');
}
