/**
 * Scenario g (issue 14): the panel of a run whose metrics.jsonl is ≥ 100 MB opens with ≤ 1 s of
 * extension-host thread time (the history is read by a child process; the host logs its share in
 * the Output channel), and the host stays responsive meanwhile: the status bar of a live run keeps
 * updating while the big panel opens (its updates are stamped in the page by a MutationObserver).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import { writeBigRun } from '../big-run-folder';
import { outputChannelText, readJson, runCommand, runCommandAndPick, runDirs, screenshots, step, waitFor, type Workbench } from '../workbench';

export const BIG_RUN_MIN_BYTES = 100 * 1024 * 1024;
/** Issue 14's goal for the extension host's share of opening the panel. */
export const HOST_GOAL_MS = 1_000;
/**
 * The longest pause allowed between two status bar updates of the live run while the big panel
 * opens. The host sends one about every 100 ms (one per metrics batch); a host blocked by reading
 * 100 MB would stop them for many seconds (the child process alone takes 1.4–4.6 s here). What the
 * page sees also includes the browser's thread, which code-server shares between the workbench and
 * its webview frames (same origin, printed below) and which builds the new panel's charts meanwhile:
 * 0.8–1.6 s gaps were measured with the host's share at 30–84 ms while neighbours loaded the 2 cores
 * (load average 8–13). So 2 s; the host's own share is asserted separately, against 1 s.
 */
export const STATUS_GAP_GOAL_MS = 2_000;

const BIG_RUN_ID = 'big-history-run';

export async function largeRunScenario(wb: Workbench, o: { liveConfig: string; historyConfig: string }): Promise<void> {
  const page = wb.page;
  const bigDir = path.join(wb.workspace, 'runs', BIG_RUN_ID);
  try {
    const t0 = Date.now();
    const big = await step('write a run folder with a ≥ 100 MB metrics.jsonl', () => writeBigRun(path.join(wb.workspace, o.historyConfig), bigDir, BIG_RUN_MIN_BYTES));
    console.log(`[e2e] g: wrote ${(big.bytes / 1048576).toFixed(1)} MB metrics.jsonl (${big.records.toLocaleString('en-US')} records, ${big.steps.toLocaleString('en-US')} steps) in ${Date.now() - t0} ms`);
    assert.ok(big.bytes >= BIG_RUN_MIN_BYTES);

    // A live run whose status bar item must keep moving.
    await runCommandAndPick(page, 'HELENE: Start HELENE run', o.liveConfig);
    const liveDir = await step('the live run starts', () =>
      waitFor('a new running run folder', () => runDirs(wb.workspace).find((d) => d !== bigDir && readJson(path.join(d, 'status.json'))?.state === 'running'), 20_000),
    );
    const liveTotal = String(readJson(path.join(liveDir, 'status.json'))!.totalSteps);
    // A string, not a function: tsx would wrap named inner functions in a helper the page lacks.
    await page.evaluate(`(() => {
      const w = window;
      w.__heleneStatusUpdates = [];
      let last = '';
      const pattern = new RegExp('([0-9]+)/${liveTotal}');
      new MutationObserver(() => {
        const m = pattern.exec(document.querySelector('.statusbar')?.innerText ?? '');
        if (m && m[1] !== last) {
          last = m[1];
          w.__heleneStatusUpdates.push([Date.now(), Number(m[1])]);
        }
      }).observe(document.querySelector('.statusbar'), { subtree: true, childList: true, characterData: true });
    })()`);
    await step('the live run updates the status bar', () => waitFor('3 status bar updates', () => page.evaluate(() => (window as any).__heleneStatusUpdates.length >= 3), 10_000));

    // Open the big run's panel as a user does: palette, pick the run.
    const logBefore = outputChannelText(wb.userDataDir).length;
    await runCommandAndPick(page, 'HELENE: Open run panel', BIG_RUN_ID);
    const openedAt = Date.now();
    const panel: Frame = await step('the big run panel appears', () =>
      waitFor('a panel titled big-history', async () => {
        // The live run's panel is open too: look at every webview frame, not the first one.
        for (const f of page.frames()) {
          const title = await f.locator('#run-title').innerText({ timeout: 200 }).catch(() => '');
          if (/big-history/.test(title)) return f;
        }
        return undefined;
      }, 30_000),
    );
    const charted = await step('its charts are drawn', () =>
      waitFor('train loss points in the big panel', async () => {
        const n = await panel.evaluate(() => ((window as any).__heleneDebug?.chartData()?.loss ?? []).find((s: any) => s.label === 'train loss')?.count ?? 0);
        return n > 0 ? n : undefined;
      }, 30_000),
    );
    const shownAt = Date.now();
    const timingLine = await step('the host logs its share of the opening', () =>
      waitFor('the history timing line', () => outputChannelText(wb.userDataDir).slice(logBefore).split('\n').find((l) => l.includes(`run panel ${BIG_RUN_ID}: history loaded`)), 10_000),
    );
    await page.waitForTimeout(1_000); // status bar updates after the panel is complete, to close the window
    const hostMs = Number(/extension host thread ([\d.]+) ms/.exec(timingLine)![1]);
    const wallMs = Number(/wall (\d+) ms/.exec(timingLine)![1]);
    const updates: [number, number][] = await page.evaluate(() => (window as any).__heleneStatusUpdates);
    const inWindow = updates.filter(([at]) => at >= openedAt - 200 && at <= shownAt + 1_000);
    const gaps = inWindow.slice(1).map(([at], i) => at - inWindow[i][0]);
    const before = updates.filter(([at]) => at < openedAt);
    const gapsBefore = before.slice(1).map(([at], i) => at - before[i][0]);
    const maxGap = Math.max(0, ...gaps, inWindow.length ? 0 : Infinity);
    console.log(`[e2e] g: the workbench is ${new URL(page.url()).origin}; the big panel's frame ${new URL(panel.url()).origin}`);
    console.log(
      `[e2e] g: big panel shown ${shownAt - openedAt} ms after the pick (${charted} train loss points); host: ${timingLine.replace(/^.*history loaded, /, '')}; ` +
        `live status bar: ${inWindow.length} updates while it opened, longest gap ${maxGap} ms (before opening: longest ${Math.max(0, ...gapsBefore)} ms over ${before.length} updates)`,
    );
    assert.ok(hostMs <= HOST_GOAL_MS, `the extension host spent ${hostMs} ms opening the panel (goal ≤ ${HOST_GOAL_MS} ms)`);
    assert.ok(wallMs > hostMs, 'the child process did the reading (wall time beyond the host share)');
    assert.ok(inWindow.length >= 3, `the live run's status bar updated ${inWindow.length} times while the big panel opened`);
    assert.ok(maxGap <= STATUS_GAP_GOAL_MS, `the live run's status bar stood still ${maxGap} ms while the big panel opened (goal ≤ ${STATUS_GAP_GOAL_MS} ms)`);

    // What the user sees: the whole run's length, and a note that the charts are decimated.
    assert.match(await panel.locator('#run-step').innerText(), new RegExp(big.steps.toLocaleString('en-US').replace(/,/g, '[,\\s]?')));
    const notice = await panel.locator('#notices').innerText();
    assert.match(notice, /Long run: the charts show [\d,]+ of [\d,]+ records/, `the panel's notice: ${notice}`);
    assert.match(notice, new RegExp(`of ${big.records.toLocaleString('en-US')} records`));
    assert.ok(charted < big.steps / 10, `the chart holds ${charted} points for ${big.steps} steps (decimated)`);
    await screenshots(wb, 'g-large-run');

    await runCommand(page, 'HELENE: Stop'); // the only live run: stopped without a question
    await step('the live run stops', () => waitFor('status.json stopped', () => readJson(path.join(liveDir, 'status.json'))?.state === 'stopped', 15_000));
    await runCommand(page, 'View: Close All Editors');
  } finally {
    // 100 MB per test run is not left in the temp folder.
    fs.rmSync(bigDir, { recursive: true, force: true });
  }
}
