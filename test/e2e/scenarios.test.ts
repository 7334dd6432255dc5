/**
 * End-to-end scenarios (issue 14): the packaged extension in a real VS Code (code-server), each
 * asserting what a user sees — text and canvases inside the webview frames, notifications, the
 * status bar, the files written — and leaving test-artifacts/e2e/<scenario>-<dark|light>.png.
 * One workbench serves every scenario (starting one takes ~30 s on 2 cores); they run in order.
 *
 * Run: npm run test:e2e   (not part of `npm test`: it needs code-server, installed on first use)
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import type { Frame } from 'playwright-core';
import { launchWorkbench, outputChannelText, pickQuick, readJson, runCommand, runDirs, screenshots, statusBarText, step, waitFor, webviewFrame, type Workbench } from './workbench';

let wb: Workbench;
const durations: [string, number][] = [];

before(async () => {
  wb = await launchWorkbench();
});

after(async () => {
  for (const [name, ms] of durations) console.log(`[e2e] scenario ${name}: ${(ms / 1000).toFixed(1)} s`);
  if (wb) {
    if (wb.blocked.length) console.log(`[e2e] requests refused (not to 127.0.0.1): ${wb.blocked.length}, e.g. ${wb.blocked.slice(0, 3).join(' ')}`);
    await wb.close();
  }
});

/** Wraps a scenario: prints its duration; on failure leaves a screenshot and the Output channel's tail. */
function scenario(name: string, fn: (t: TestContext) => Promise<void>) {
  test(name, async (t) => {
    const t0 = Date.now();
    try {
      await fn(t);
    } catch (e) {
      await wb?.page.screenshot({ path: path.join('test-artifacts', 'e2e', `${name.split(':')[0]}-FAILED.png`) }).catch(() => undefined);
      const out = wb ? outputChannelText(wb.userDataDir).split('\n').slice(-15).join('\n') : '';
      (e as Error).message += `\n--- HELENE Studio output (tail) ---\n${out}`;
      throw e;
    } finally {
      const ms = Date.now() - t0;
      durations.push([name.split(':')[0], ms]);
      console.log(`[e2e] ${name}: ${(ms / 1000).toFixed(1)} s`);
    }
  });
}

type Debug = { chartData: Record<string, { label: string; count: number; last: { x: number; y: number } | null }[]> | null; heatmap: { rows: number; cols: number } | null };
const panelDebug = (f: Frame) =>
  f.evaluate((): Debug => {
    const h = (window as any).__heleneDebug;
    return { chartData: h?.chartData() ?? null, heatmap: h?.heatmap() ?? null };
  });
const seriesCount = (d: Debug, chart: string, label?: string) => (d.chartData?.[chart] ?? []).filter((s) => !label || s.label === label).reduce((n, s) => n + s.count, 0);
const text = (f: Frame, sel: string) => f.locator(sel).innerText();

/** The live panel of the run started last: waits for its frame and returns it. */
async function livePanel(): Promise<Frame> {
  return step('the run panel appears', () => webviewFrame(wb.page, '#run-title', 15_000));
}

scenario('b-start-run: "Start HELENE run" through the config picker shows a live panel within 10 s', async () => {
  const before = runDirs(wb.workspace).length;
  const t0 = Date.now();
  await runCommand(wb.page, 'HELENE: Start HELENE run');
  await pickQuick(wb.page, 'helene.helene.json');
  const panel = await livePanel();
  const d = await step('the panel shows loss, schedule, step time and the per-layer heatmap and table', () =>
    waitFor(
      'loss points, schedule, step time, heatmap rows and layer table rows in the panel',
      async () => {
        const d = await panelDebug(panel);
        const rows = await panel.locator('#layer-table tbody tr').count();
        return seriesCount(d, 'loss', 'train loss') > 0 && seriesCount(d, 'schedule') > 0 && seriesCount(d, 'timing') > 0 && (d.heatmap?.rows ?? 0) > 0 && rows > 0 ? d : undefined;
      },
      10_000 - (Date.now() - t0) + 2_000, // the assertion below holds the 10 s goal; the margin names the slower case
    ),
  );
  const elapsed = Date.now() - t0;
  console.log(`[e2e] b: panel complete ${elapsed} ms after the config was picked`);
  assert.ok(elapsed <= 10_000, `the panel took ${elapsed} ms (goal ≤ 10 s)`);
  assert.match(await text(panel, '#run-title'), /demo-helene/);
  assert.ok((await panel.locator('canvas').count()) >= 3, 'the charts are canvases');
  const dirs = runDirs(wb.workspace);
  assert.equal(dirs.length, before + 1, 'one run folder was written');
  const status = readJson(path.join(dirs.at(-1)!, 'status.json'));
  assert.ok(status && ['running', 'finished'].includes(status.state), `status.json says ${JSON.stringify(status)}`);
  assert.match(await statusBarText(wb.page), /HELENE/);
  assert.ok(d.heatmap!.cols > 0);
  await screenshots(wb, 'b-start-run');
  // Leave no live run behind for the next scenario (the demo's 20k steps may be done already).
  const statusFile = path.join(dirs.at(-1)!, 'status.json');
  if (readJson(statusFile)?.state === 'running') await runCommand(wb.page, 'HELENE: Stop');
  await step('the run ends', () => waitFor('status.json state stopped or finished', () => ['stopped', 'finished'].includes(readJson(statusFile)?.state), 15_000));
});

scenario('h-output-clean: the "HELENE Studio" Output channel shows no error', async () => {
  const out = outputChannelText(wb.userDataDir);
  assert.ok(out.length > 0, 'the Output channel log was found');
  const errors = out.split('\n').filter((l) => /\[error\]/i.test(l));
  assert.deepEqual(errors, [], 'error lines in the Output channel');
  assert.ok(fs.existsSync(wb.workspace));
});
