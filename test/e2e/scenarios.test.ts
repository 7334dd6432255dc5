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
import { breakdown, latestTracedEvent } from './control-latency';
import { prepareSweepWorkspace, SWEEP_CONFIG, sweepScenario } from './scenarios/f-sweep';
import { largeRunScenario } from './scenarios/g-large-run';
import { panelDebug, panelTitled, seriesCount } from './scenarios/ui';
import { scenarioADemoWorkspace } from './scenarios/a-demo-workspace';
import { scenarioBShortForm } from './scenarios/b-short-form';
import { scenarioDRunsView } from './scenarios/d-runs-view';
import { scenarioEResume } from './scenarios/e-resume';
import { scenarioHCheckGpu } from './scenarios/h-check-gpu';
import { scenarioIExperiments } from './scenarios/i-experiments';
import { scenarioJWebviewRecovery } from './scenarios/j-webview-recovery';
import { launchWorkbench, outputChannelText, pickQuick, readJson, runCommand, runDirs, screenshots, statusBarText, step, waitFor, type Workbench } from './workbench';

let wb: Workbench;
const durations: [string, number][] = [];

/** A demo config long enough to pause, change and stop while it runs (the demo's own 20k steps take ~7 s). */
const LONG_CONFIG = 'long-helene.helene.json';

before(async () => {
  wb = await launchWorkbench({
    prepareWorkspace(dir) {
      const demo = JSON.parse(fs.readFileSync(path.join(dir, 'helene.helene.json'), 'utf8'));
      fs.writeFileSync(path.join(dir, LONG_CONFIG), JSON.stringify({ ...demo, name: 'demo-helene-long', steps: 5_000_000, evalEvery: 5000, statsEvery: 500 }, null, 2));
      prepareSweepWorkspace(dir);
    },
  });
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
      // What the browser said about webviews: a blank panel's only trace (VS Code's service worker).
      const browser = wb ? wb.browserLog.filter((l) => /webview|service worker|controller|error/i.test(l)).slice(-15).join('\n') : '';
      (e as Error).message += `\n--- HELENE Studio output (tail) ---\n${out}\n--- browser console, webview lines (tail) ---\n${browser}`;
      // A failed scenario must not leave a live run loading the machine for the next ones (stop 25's CI:
      // c's 5,000,000-step run trained on through every later scenario).
      if (wb) await stopLiveRuns(wb).catch(() => undefined);
      throw e;
    } finally {
      const ms = Date.now() - t0;
      durations.push([name.split(':')[0], ms]);
      console.log(`[e2e] ${name}: ${(ms / 1000).toFixed(1)} s`);
    }
  });
}

/** Stops every run still running in the workspace, from the palette (each Stop asks which when several run). */
async function stopLiveRuns(w: Workbench): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const live = runDirs(w.workspace).filter((d) => ['running', 'paused', 'starting'].includes(readJson(path.join(d, 'status.json'))?.state));
    if (live.length === 0) return;
    await w.page.keyboard.press('Escape');
    await runCommand(w.page, 'HELENE: Stop');
    const pick = w.page.locator('.quick-input-widget .monaco-list-row').first();
    if (await pick.isVisible({ timeout: 1_000 }).catch(() => false)) await pick.click();
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

const text = (f: Frame, sel: string) => f.locator(sel).innerText();

/** The live panel of the run started last: waits for its frame and returns it. */
async function livePanel(): Promise<Frame> {
  return panelTitled(wb.page, /demo-helene/, 15_000);
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
  assert.match(await statusBarText(wb.page), /\bhelene\b/, "the status bar names the run's optimizer as the panel does");
  assert.ok(d.heatmap!.cols > 0);
  await screenshots(wb, 'b-start-run');
  // Leave no live run behind for the next scenario (the demo's 20k steps may be done already).
  const statusFile = path.join(dirs.at(-1)!, 'status.json');
  // The demo may finish between the read and the palette (Stop then leaves the palette): the next step checks the end either way.
  if (readJson(statusFile)?.state === 'running') await runCommand(wb.page, 'HELENE: Stop').catch(() => undefined);
  await step('the run ends', () => waitFor('status.json state stopped or finished', () => ['stopped', 'finished'].includes(readJson(statusFile)?.state), 15_000));
});

scenario('a-views: the activity bar opens the Runs and Sweeps views; the walkthrough lists its steps', async () => {
  await step('open the HELENE Studio view container', () => wb.page.locator('.activitybar [aria-label^="HELENE Studio"]').first().click());
  const header = (name: string) => wb.page.locator('.pane-header', { hasText: name }).first();
  await step('the Runs and Sweeps views are shown', async () => {
    await header('Runs').waitFor({ timeout: 10_000 });
    await header('Sweeps').waitFor({ timeout: 10_000 });
  });
  const runName = path.basename(runDirs(wb.workspace)[0]);
  await step(`the Runs view lists the run of scenario b (${runName})`, () =>
    wb.page.locator('.pane-body .monaco-list-row', { hasText: /demo-helene/ }).first().waitFor({ timeout: 10_000 }),
  );
  await screenshots(wb, 'a-views');
  await runCommand(wb.page, 'Welcome: Open Walkthrough...');
  await pickQuick(wb.page, 'Fine-tune with HELENE Studio');
  const page = wb.page;
  await step('the walkthrough shows its steps', async () => {
    for (const title of ['Open the demo project', 'Start a HELENE run', 'Watch the per-layer panel', 'Compare with MeZO', 'Use a GPU']) {
      await page.locator('.getting-started-step', { hasText: title }).first().waitFor({ timeout: 10_000 });
    }
  });
  // Its steps must be true of what the extension does: scaffold writes three run configs.
  const configs = fs.readdirSync(wb.workspace).filter((f) => f.endsWith('.helene.json') && f !== LONG_CONFIG && f !== SWEEP_CONFIG);
  assert.equal(configs.length, 3, `scaffold wrote ${configs.join(', ')}`);
  await screenshots(wb, 'a-walkthrough');
  await page.keyboard.press('Escape');
  await runCommand(page, 'View: Close All Editors');
});

/** Polls status.json until `state`, then until its step stops moving; returns the step and when it was reached. */
async function settle(statusFile: string, state: string, timeoutMs = 15_000) {
  await waitFor(`status.json state ${state}`, () => readJson(statusFile)?.state === state, timeoutMs, 10);
  const reachedAt = Date.now();
  const first = readJson(statusFile)!.step as number;
  await new Promise((r) => setTimeout(r, 1_200));
  const later = readJson(statusFile)!.step as number;
  return { reachedAt, step: first, later };
}

/**
 * Issue 14's goal: from the click to the paused state written, at most 200 ms, and at most the step
 * in progress after the pause reached the runtime. The step count is asserted on every pause; the
 * time on the median of PAUSE_SAMPLES pauses per path (panel, palette), because the machine running
 * the tier is shared (2 cores, other test runs): one sample of 700 ms in the extension host hop was
 * seen while neighbours loaded the machine (load average 13), the median stayed under the goal.
 */
const PAUSE_GOAL_MS = 200;
const PAUSE_SAMPLES = 3;
const latencies: string[] = [];
const pauseMs: Record<'panel' | 'palette', number[]> = { panel: [], palette: [] };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

scenario('c-controls: pause from panel and palette stops at a step boundary; resume; lr changes; invalid value refused; stop', async () => {
  const page = wb.page;
  await runCommand(page, 'HELENE: Start HELENE run');
  await pickQuick(page, LONG_CONFIG);
  await step('the run starts', () => waitFor('a new run folder running', () => { const d = runDirs(wb.workspace).at(-1)!; return readJson(path.join(d, 'status.json'))?.state === 'running' && readJson(path.join(d, 'run.json'))?.name?.includes?.('long') !== false ? d : undefined; }, 20_000));
  const dir = runDirs(wb.workspace).at(-1)!;
  const statusFile = path.join(dir, 'status.json');
  // Every frame, not the first with a #run-title: b's panel may still have its page (a blank-panel
  // failure in an earlier CI run was this test looking at b's frame only, 15 s long).
  // 30 s: a panel whose webview never starts (VS Code's service worker; scenario j) is reopened after
  // 15 s by the extension; c must pass when that recovery happens, and says so in the Output channel.
  const panel = await panelTitled(page, /long/, 30_000);
  await step('the panel counts steps', () => waitFor('#run-step > 0', async () => /[1-9]/.test(await panel.locator('#run-step').innerText()), 10_000));

  /**
   * Every click in the workbench page, stamped on two clocks: `at` on the page's own performance
   * clock (timeOrigin + timeStamp), to find the clicks after a mark read from that same clock just
   * before the action; `wall` on the system clock the run's trace uses (Date.now() at the handler
   * less the event's age), for the latency. Never compare `at` with Node's Date.now(): the page's
   * clock is tied to the system clock once, at load, and drifts by every later clock step (a
   * clean-clone CI run found no click "after" a Date.now() taken before the palette opened).
   */
  type StampedClick = { at: number; wall: number; palette: boolean; target: string };
  await page.evaluate(() => {
    (window as any).__heleneClicks = [];
    document.addEventListener('click', (e) => {
      const target = e.target instanceof Element ? e.target : null;
      (window as any).__heleneClicks.push({
        at: performance.timeOrigin + e.timeStamp,
        wall: Date.now() - Math.max(0, performance.now() - e.timeStamp),
        palette: !!target?.closest('.quick-input-widget'),
        target: target ? `${target.tagName.toLowerCase()}.${[...target.classList].join('.')}` : String(e.target),
      });
    }, true);
  });
  /** The mark: now, on the clock of the clicks' `at`. */
  const pageClockNow = (): Promise<number> => page.evaluate(() => performance.timeOrigin + performance.now());
  const clockDrift = await page.evaluate(() => performance.timeOrigin + performance.now() - Date.now());
  console.log(`[e2e] c: the workbench page's performance clock minus the system clock: ${clockDrift >= 0 ? '+' : ''}${clockDrift.toFixed(1)} ms (its drift since the page loaded)`);
  /** The palette row's click after `mark`, on the system clock; fails naming every click seen after the mark. */
  const paletteClick = async (mark: number, what: string): Promise<number> => {
    const clicks: StampedClick[] = (await page.evaluate(() => (window as any).__heleneClicks ?? [])).filter((c: StampedClick) => c.at >= mark);
    const row = clicks.filter((c) => c.palette).at(-1);
    assert.ok(row, `the palette click of ${what} was stamped: clicks after the mark: ${JSON.stringify(clicks)}`);
    return row.wall;
  };

  const pauseOnce = async (how: 'panel' | 'palette') => {
    const eventsBefore = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').split('"event":"paused"').length;
    const mark = await pageClockNow();
    const t0 = Date.now();
    if (how === 'panel') await panel.locator('#control-pause').click();
    else await runCommand(page, 'HELENE: Pause');
    const s = await step(`pause from the ${how}`, () => settle(statusFile, 'paused'));
    assert.equal(s.later, s.step, `status.json kept moving while paused (${s.step} → ${s.later})`);
    const traced = await waitFor('the paused event with its latency trace', () => fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').split('"event":"paused"').length > eventsBefore && latestTracedEvent(dir, 'paused'), 5_000);
    // The panel's click is in the trace (the webview stamps it); the palette's is the page's.
    const clickedAt = how === 'panel' ? traced.clickedAt : await paletteClick(mark, 'Pause');
    assert.ok(clickedAt !== undefined, `the ${how} click was stamped`);
    const b = breakdown(traced, clickedAt);
    console.log(`[e2e] c: pause from the ${how}: click → paused ${b.text}`);
    // What the old, crude measure counted besides: playwright's own work before the click event (actionability checks, palette typing) and status.json polling.
    console.log(`[e2e] c: (${how}: the test's call began ${(clickedAt - t0).toFixed(0)} ms before the click event; status.json was seen paused ${(s.reachedAt - traced.appliedAt).toFixed(0)} ms after it was written; crude measure ${s.reachedAt - t0} ms)`);
    latencies.push(`pause (${how}) ${b.total.toFixed(0)} ms, ${b.steps} step(s)`);
    pauseMs[how].push(b.total);
    assert.equal(traced.step, s.step, 'the paused event and status.json name the same step');
    assert.ok(b.steps <= 1, `the run completed ${b.steps} steps after the pause reached it (goal: at most the step in progress)`);
    const shown = await waitFor('the panel shows the paused step', async () => {
      const t = await panel.locator('#run-step').innerText();
      return Number(t.split('/')[0].replace(/[^0-9]/g, '')) === s.step ? t : undefined;
    }, 5_000).catch(async () => panel.locator('#run-step').innerText());
    assert.equal(Number(shown.split('/')[0].replace(/[^0-9]/g, '')), s.step, `panel shows ${shown}, status.json ${s.step}`);
    assert.match(await statusBarText(page), /paused/, 'the status bar says paused');
    return s.step;
  };
  await pauseOnce('panel');
  await screenshots(wb, 'c-paused');

  // lr change while paused: the event is in metrics.jsonl.
  const metrics = () => fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8');
  const hpEvents = () => metrics().split('\n').filter((l) => l.includes('"hyperparameters"'));
  await panel.locator('#hp-lr input').fill('0.002');
  await panel.locator('#hp-apply').click();
  await step('an lr change while paused is recorded', () => waitFor('a hyperparameters event in metrics.jsonl', () => hpEvents().length >= 1, 10_000));

  const resumeMark = await pageClockNow();
  await runCommand(page, 'HELENE: Resume');
  await step('resume from the palette', () => waitFor('status.json running', () => readJson(statusFile)?.state === 'running', 10_000, 20));
  const resumed = await waitFor('the resumed event with its latency trace', () => latestTracedEvent(dir, 'resumed'), 5_000);
  const rb = breakdown(resumed, await paletteClick(resumeMark, 'Resume'));
  console.log(`[e2e] c: resume from the palette: click → running ${rb.text}`);
  latencies.push(`resume (palette) ${rb.total.toFixed(0)} ms`);
  await panel.locator('#hp-lr input').fill('0.0015');
  await panel.locator('#hp-apply').click();
  await step('an lr change while running is recorded', () => waitFor('a second hyperparameters event', () => hpEvents().length >= 2, 10_000));
  const lrAfter = await waitFor('a step record using lr 0.0015', () => metrics().split('\n').reverse().find((l) => l.startsWith('{"kind":"step"') && /"lr":0\.0015[,}]/.test(l)), 10_000).catch(() => undefined);
  assert.ok(lrAfter, 'steps after the change use lr 0.0015');

  await step('an invalid lr is refused', async () => {
    await panel.locator('#hp-lr input').fill('-1');
    await panel.locator('#hp-apply').click();
    await waitFor('the error message', async () => (await panel.locator('#hp-feedback').innerText()).trim().length > 0, 5_000);
  });
  assert.equal(hpEvents().length, 2, 'the invalid value was not sent');
  await screenshots(wb, 'c-invalid-lr');
  // Checked now, asserted at the end, so that one wrong detail does not hide the rest of the flow.
  const later: string[] = [];
  await step('the error clears once the value is corrected', async () => {
    await panel.locator('#hp-lr input').fill('0.001');
    await waitFor('no error text and no invalid mark', async () => (await panel.locator('#hp-feedback').innerText()).trim() === '' && (await panel.locator('#hp-lr').getAttribute('aria-invalid')) === null, 5_000);
  }).catch(async (e: Error) => later.push(`${e.message}; #hp-feedback still reads ${JSON.stringify(await panel.locator('#hp-feedback').innerText().catch(() => '?'))}`));

  // More samples of both paths (each pause checked as above, then resumed), then the last one from the palette.
  for (let i = 1; i < PAUSE_SAMPLES; i++) {
    for (const how of ['panel', 'palette'] as const) {
      await pauseOnce(how);
      if (how === 'panel') await panel.locator('#control-resume').click();
      else await runCommand(page, 'HELENE: Resume');
      await step(`resume after pause sample ${i} (${how})`, () => waitFor('status.json running', () => readJson(statusFile)?.state === 'running', 10_000, 20));
    }
  }
  await pauseOnce('palette');
  for (const how of ['panel', 'palette'] as const) {
    const m = median(pauseMs[how]);
    console.log(`[e2e] c: pause from the ${how}: median ${m.toFixed(0)} ms of ${pauseMs[how].map((x) => x.toFixed(0)).join(', ')} ms (goal ≤ ${PAUSE_GOAL_MS} ms)`);
    later.push(...(m <= PAUSE_GOAL_MS ? [] : [`pause from the ${how}: median ${m.toFixed(0)} ms of ${pauseMs[how].map((x) => x.toFixed(0)).join(', ')} ms (goal ≤ ${PAUSE_GOAL_MS} ms from the click)`]));
  }
  await panel.locator('#control-stop').click();
  await step('stop from the panel', () => waitFor('status.json stopped', () => readJson(statusFile)?.state === 'stopped', 15_000, 10));
  const stopped = await waitFor('the stopped event with its latency trace', () => latestTracedEvent(dir, 'stopped'), 5_000);
  const stoppedWritten = Date.parse(readJson(statusFile)!.updatedAt);
  const sb = breakdown(stopped);
  console.log(`[e2e] c: stop from the panel: click → stopped event ${sb.text}; status.json stopped ${(stoppedWritten - stopped.clickedAt!).toFixed(0)} ms after the click`);
  latencies.push(`stop (panel) ${(stoppedWritten - stopped.clickedAt!).toFixed(0)} ms to status.json stopped`);
  console.log(`[e2e] c: latencies: ${latencies.join('; ')}`);
  await screenshots(wb, 'c-stopped');
  assert.deepEqual(later, [], 'details of the flow that were wrong');
});

scenario('f-sweep: a sweep of 4 runs, 2 at a time, from the extension: progress in the Sweeps view, stop, compare its runs', () => sweepScenario(wb));

scenario('g-large-run: the panel of a run with a ≥ 100 MB metrics.jsonl opens with ≤ 1 s of extension-host time while a live run\'s status bar keeps updating', () =>
  largeRunScenario(wb, { liveConfig: LONG_CONFIG, historyConfig: 'helene.helene.json' }),
);
// Issue 14, the rest of a, b, d, e, h: each scenario in its own module under scenarios/.
scenario('a-demo-workspace: the walkthrough\'s "Create demo workspace" refuses a folder with files, fills an empty one with what its step names, ticks the step', () => scenarioADemoWorkspace(wb));
scenario('b-short-form: "Start HELENE run" through the short form (validated answers, lr finder) shows a live panel within 10 s', () => scenarioBShortForm(wb));
scenario('d-runs-view: a finished run\'s panel reopens after its tab was closed; rename, notes, tags, delete (confirmed), compare three runs, export CSV', () => scenarioDRunsView(wb));
scenario('e-resume: Resume from checkpoint of a stopped run; the panel follows the live run to "finished", the status bar agrees', () => scenarioEResume(wb));
scenario('h-check-gpu: Check GPU on a machine without one says the CPU runs and how to get CUDA for the installed extension', () => scenarioHCheckGpu(wb));

scenario('i-experiments: the Runs view\'s "Open Experiments" button opens the table with a row per run; a numeric filter narrows it (screenshots in dark, light, high contrast)', () => scenarioIExperiments(wb));

scenario('j-webview-recovery: a run panel whose webview cannot start (its service worker refused) is closed and opened again, and shows the run', () => scenarioJWebviewRecovery(wb));

scenario('h-output-clean: the "HELENE Studio" Output channel shows no error', async () => {
  const out = outputChannelText(wb.userDataDir);
  assert.ok(out.length > 0, 'the Output channel log was found');
  const errors = out.split('\n').filter((l) => /\[error\]/i.test(l));
  assert.deepEqual(errors, [], 'error lines in the Output channel');
  assert.ok(fs.existsSync(wb.workspace));
});
