/**
 * The run panel in real headless Chromium, under the strict CSP of renderPanelHtml: a recorded (or
 * synthetic) run is replayed through window messages like the extension would send them, and the
 * test reads what the user would see. Screenshots go to test-artifacts/webview/.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { HostToWebview, WebviewIntent } from '../../runtime/protocol';
import { renderPanelHtml } from '../../extension/panel/panel-html';
import { layerRowCells } from '../../webview/panel/layer-columns';
import { formatCount } from '../../webview/panel/number-format';
import type { HeleneDebugHook } from '../../webview/panel/debug-hook';
import { REPO_ROOT, buildPanelBundle } from './build-panel-bundle';
import { buildReplay, expectationsOf, readRunFolder, recordedRunFolders } from './run-replay';
import { accountedPoints } from '../../runtime/run/accounting';
import type { EventRecord, StepRecord } from '../../runtime/protocol';
import { startStaticServer, type StaticServer } from './static-server';
import { DEFAULT_SYNTHETIC, buildSyntheticRun, withGuardTrip, type RunFolderData } from './synthetic-run';
import { webviewStubScript } from './vscode-webview-stub';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts', 'webview');
const NONCE = 'dGVzdC1ub25jZS0xMjM0NTY3OA==';

/** What the page exposes to the test (the stub's recordings and the panel's debug hook). */
interface TestWindow {
  __posted: WebviewIntent[];
  __cspViolations: string[];
  __savedState?: Record<string, unknown>;
  __heleneDebug?: HeleneDebugHook;
}
declare const window: TestWindow & { postMessage(message: unknown, targetOrigin: string): void };

let browser: Browser;
let server: StaticServer;
const pageErrors: string[] = [];

/** `initialState`: what vscode.getState() returns, as after the panel was hidden and shown again; `initScript`: run before the page's own. */
async function openPanel(initialState?: Record<string, unknown>, initScript?: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
  await page.addInitScript({ content: webviewStubScript(undefined, initialState) });
  if (initScript) await page.addInitScript({ content: initScript });
  await page.goto(`${server.origin}/`);
  await page.waitForFunction(() => window.__posted.length > 0);
  return page;
}

async function send(page: Page, messages: HostToWebview[]): Promise<void> {
  await page.evaluate((ms) => ms.forEach((m) => window.postMessage(m, '*')), messages);
}

/** Wait until every message sent so far was handled and the frame after it was drawn. */
async function settle(page: Page, messageCount: number): Promise<void> {
  await page.waitForFunction((n) => (window.__heleneDebug?.messages() ?? 0) >= n, messageCount);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

async function replay(page: Page, run: RunFolderData): Promise<void> {
  const r = buildReplay(run);
  await send(page, [r.snapshot, ...r.live]);
  await settle(page, 1 + r.live.length);
}

const posted = (page: Page) => page.evaluate(() => window.__posted);
const text = (page: Page, selector: string) => page.locator(selector).innerText();

before(async () => {
  assert.ok(fs.existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const [bundle] = await Promise.all([buildPanelBundle()]);
  server = await startStaticServer({
    '/': {
      type: 'text/html; charset=utf-8',
      body: (origin) =>
        renderPanelHtml({ cspSource: origin, nonce: NONCE, scriptUri: `${origin}/panel.js`, styleUri: `${origin}/panel.css`, title: 'HELENE · test' }),
    },
    '/panel.js': { type: 'text/javascript; charset=utf-8', body: bundle },
    '/panel.css': { type: 'text/css; charset=utf-8', body: fs.readFileSync(path.join(REPO_ROOT, 'media', 'panel.css')) },
    // Chromium asks for it on its own; a 404 would show up as a console error.
    '/favicon.ico': { type: 'image/x-icon', body: '' },
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

describe('run panel, synthetic HELENE run (6 layers, 300 steps)', () => {
  const run = buildSyntheticRun();
  const exp = expectationsOf(run);
  let page: Page;

  before(async () => {
    page = await openPanel();
  });
  after(async () => page?.close());

  test("handshake: 'ready' is posted first and nothing renders before the snapshot", async () => {
    assert.deepEqual(await posted(page), [{ type: 'ready' }]);
    assert.equal(await text(page, '#waiting'), 'Waiting for run data…');
    await send(page, [{ type: 'status', status: { ...run.status, state: 'running' } }]);
    await settle(page, 1);
    assert.equal(await page.locator('#run-step').count(), 0, 'the panel rendered before a snapshot');
  });

  test('after the replay the header shows step/total, state and the provider that really runs', async () => {
    await replay(page, run);
    assert.equal(await page.locator('#waiting').count(), 0);
    assert.equal(await text(page, '#run-step'), `${exp.lastStep.t} / ${exp.totalSteps}`);
    assert.equal(await text(page, '#run-step'), '300 / 300');
    assert.equal(await text(page, '#run-state'), 'running');
    assert.equal(await text(page, '#run-provider'), 'cpu');
    assert.equal(await text(page, '#run-fallback'), `requested auto → cpu: ${run.manifest.engine.fallbackReason}`);
    assert.equal(await text(page, '#run-loss'), exp.lastStep.loss.toPrecision(3));
  });

  test('the layer table shows the last layer-statistics record, formatted, one row per layer', async () => {
    assert.ok(exp.lastLayers);
    assert.equal(await text(page, '#layer-heading'), `Layers at step ${exp.lastLayers.t}`);
    const rows = await page.locator('#layer-table tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.children, (c) => c.textContent)));
    assert.deepEqual(rows, exp.lastLayers.layers.map(layerRowCells));
    // Literal spot checks, independent of the formatter: d_i of a 64×192 matrix, a percentage cell.
    assert.equal(rows[0][1], '12,288');
    assert.match(rows[0][7]!, /^\d{1,3}\.\d%$/);
  });

  test('charts exist and their datasets hold the expected points and last values', async () => {
    for (const id of ['loss', 'schedule', 'timing']) {
      const box = await page.locator(`#chart-${id}`).boundingBox();
      assert.ok(box && box.width > 200 && box.height > 100, `chart ${id} is not laid out: ${JSON.stringify(box)}`);
    }
    const data = await page.evaluate(() => window.__heleneDebug!.chartData());
    assert.ok(data);
    const last = exp.lastStep;
    assert.deepEqual(data.loss[0], { label: 'train loss', count: exp.stepCount, last: { x: last.t, y: last.loss } });
    assert.equal(data.loss[1].count, exp.evalCount);
    assert.deepEqual(data.schedule.map((d) => [d.label, d.count, d.last]), [
      ['αₜ (annealing)', 300, { x: 300, y: last.alpha }],
      ['lrₜ', 300, { x: 300, y: 0.0005 }],
    ]);
    assert.deepEqual(data.timing[0], { label: 'forward', count: 300, last: { x: 300, y: last.timing.forwardMs } });
    const markers = await page.evaluate(() => window.__heleneDebug!.chartMarkers());
    assert.deepEqual(markers?.loss, ['0:provider', '150:lr=5e-4']);
  });

  test('the heatmap has one row per layer and one column per statistics step; the stat choice persists', async () => {
    assert.deepEqual(await page.evaluate(() => window.__heleneDebug!.heatmap()), { rows: 6, cols: 31, stat: 'floorFraction' });
    const canvas = page.locator('#heatmap-canvas');
    assert.equal(await canvas.getAttribute('data-rows'), '6');
    assert.equal(await canvas.getAttribute('data-cols'), '31');
    await page.locator('#heatmap-stat').click();
    await page.locator('#heatmap-stat vscode-option[value="hMean"]').click();
    await page.waitForFunction(() => window.__heleneDebug!.heatmap()?.stat === 'hMean');
    assert.deepEqual(await page.evaluate(() => window.__savedState), { heatmapStat: 'hMean' });
    await settle(page, 0);
    assert.equal(await canvas.getAttribute('data-stat'), 'hMean');
    await page.screenshot({ path: path.join(ARTIFACTS, 'panel-synthetic.png'), fullPage: true });
  });

  test('x axis: forward passes, examples seen and wall time re-map every chart and the markers to the recorded values', async () => {
    const xs = () => page.evaluate(() => window.__heleneDebug!.chartXs()!);
    const steps = run.records.filter((r): r is StepRecord => r.kind === 'step');
    const points = accountedPoints(run.records);
    const stepPoints = points.filter((p) => p.kind === 'step');
    const evalPoints = points.filter((p) => p.kind === 'eval');
    const change = run.records.find((r): r is EventRecord => r.kind === 'event' && r.event === 'hyperparameters')!;
    const stepAt = (t: number) => steps.find((r) => r.t === t)!;
    const before = await xs();
    assert.equal(before.axis, 'step');
    assert.equal(before.charts.loss.title, 'step');
    assert.deepEqual(before.charts.loss.datasets[0].xs, steps.map((r) => r.t));

    // Keyboard: focus the dropdown, ArrowDown picks the next axis (forward passes) without opening it.
    await page.locator('#x-axis').focus();
    await page.keyboard.press('ArrowDown');
    await page.waitForFunction(() => window.__heleneDebug!.chartXs()?.axis === 'forwardPasses');
    await settle(page, 0);
    let now = await xs();
    // Training passes: the records' cumulative count less the evaluation passes (8 per eval here).
    assert.deepEqual(now.charts.loss.datasets[0].xs, stepPoints.map((p) => p.trainingPasses));
    assert.deepEqual(now.charts.loss.datasets[0].xs.slice(0, 3), [2, 4, 6]);
    assert.equal(now.charts.loss.datasets[0].xs.at(-1), 600, '300 steps x 2 passes, evaluation excluded');
    // The last eval (t = 300) follows the last step record: that record's count holds the six before it.
    assert.equal(exp.lastStep.forwardPasses, 600 + 8 * (exp.evalCount - 1), 'the recorded count includes the eval passes');
    assert.deepEqual(now.charts.loss.datasets[1].xs, evalPoints.map((p) => p.trainingPasses));
    assert.deepEqual(now.charts.schedule.datasets[1].xs, stepPoints.map((p) => p.trainingPasses));
    assert.deepEqual(now.charts.timing.datasets[4].xs, stepPoints.map((p) => p.trainingPasses));
    assert.equal(now.charts.timing.title, 'training forward passes');
    let markers = await page.evaluate(() => window.__heleneDebug!.chartMarkers()!);
    assert.deepEqual(markers.loss, ['0:provider', `${stepPoints.find((p) => p.t === 150)!.trainingPasses}:lr=5e-4`]);
    assert.equal(stepAt(150).forwardPasses, 300 + 8 * 3, 'recorded at step 150: 150 x 2 training passes + the evals at 0, 50, 100');
    assert.deepEqual(markers.loss, ['0:provider', '300:lr=5e-4']);
    assert.match((await page.locator('#chart-loss').getAttribute('aria-label'))!, /against training forward passes$/);

    await page.locator('#x-axis').click();
    await page.locator('#x-axis vscode-option[value="examples"]').click();
    await page.waitForFunction(() => window.__heleneDebug!.chartXs()?.axis === 'examples');
    await settle(page, 0);
    now = await xs();
    assert.deepEqual(now.charts.loss.datasets[0].xs, steps.map((r) => r.examples));
    assert.equal(now.charts.loss.datasets[0].xs.at(-1), 300 * 16);
    assert.deepEqual(now.charts.loss.datasets[2].xs, evalPoints.map((p) => p.examples));
    assert.deepEqual(now.charts.loss.datasets[2].xs.slice(0, 2), [0, 50 * 16]);
    markers = await page.evaluate(() => window.__heleneDebug!.chartMarkers()!);
    assert.deepEqual(markers.schedule, ['0:provider', `${stepAt(150).examples}:lr=5e-4`]);
    assert.equal(stepAt(150).examples, 2400);

    await page.locator('#x-axis').click();
    await page.locator('#x-axis vscode-option[value="wallSeconds"]').click();
    await page.waitForFunction(() => window.__heleneDebug!.chartXs()?.axis === 'wallSeconds');
    await settle(page, 0);
    now = await xs();
    assert.deepEqual(now.charts.loss.datasets[0].xs, steps.map((r) => r.wallMs / 1000));
    assert.deepEqual(now.charts.timing.datasets[0].xs, steps.map((r) => r.wallMs / 1000));
    assert.equal(now.charts.loss.datasets[0].xs.at(-1), exp.lastStep.wallMs / 1000);
    assert.deepEqual(now.charts.loss.datasets[1].xs, evalPoints.map((p) => p.wallSeconds));
    assert.equal(now.charts.schedule.title, 'wall time (s)');
    markers = await page.evaluate(() => window.__heleneDebug!.chartMarkers()!);
    assert.deepEqual(markers.timing, ['0:provider', `${change.wallMs / 1000}:lr=5e-4`]);
    assert.ok(change.wallMs > 0);
    // A view choice: nothing was posted to the host, and the choice is in the webview state.
    assert.deepEqual((await posted(page)).filter((m) => m.type !== 'ready'), []);
    assert.deepEqual(await page.evaluate(() => window.__savedState), { heatmapStat: 'hMean', xAxis: 'wallSeconds' });
    await page.locator('.chart-section').screenshot({ path: path.join(ARTIFACTS, 'panel-x-axis-wall-time.png') });
  });

  test('controls: Tab reaches Pause first; Pause posts a control intent; Resume is disabled while running', async () => {
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'control-pause');
    const before = (await posted(page)).length;
    await page.keyboard.press('Enter');
    await page.locator('#control-resume').click({ force: true });
    await page.locator('#control-pause').click();
    const sent = (await posted(page)).slice(before) as { type: string; command?: string; trace?: { clickedAt: number; webviewAt: number } }[];
    const now = await page.evaluate(() => Date.now());
    assert.deepEqual(sent.map(({ type, command }) => ({ type, command })), [
      { type: 'control', command: 'pause' },
      { type: 'control', command: 'pause' },
    ]);
    // Each carries when the input event happened and when its handler ran (the pause latency trace), on the page's clock.
    for (const { trace } of sent) {
      assert.ok(trace && trace.clickedAt <= trace.webviewAt && trace.webviewAt <= now && now - trace.clickedAt < 10_000, JSON.stringify(trace));
    }
    assert.equal(await page.locator('#control-resume').getAttribute('disabled'), '');
  });

  test('the form posts only the changed value; Enter submits too', async () => {
    assert.equal(await page.locator('#hp-lr input').inputValue(), '0.0005', 'prefilled with the current lr (after the recorded change)');
    assert.equal(await page.locator('#hp-eps input').inputValue(), '0.001');
    const before = (await posted(page)).length;
    await page.locator('#hp-lr input').fill('0.002');
    await page.locator('#hp-apply').click();
    await page.locator('#hp-k input').fill('20');
    await page.locator('#hp-k input').press('Enter');
    assert.deepEqual((await posted(page)).slice(before), [
      { type: 'set-hyperparameters', values: { lr: 0.002 } },
      { type: 'set-hyperparameters', values: { lr: 0.002, k: 20 } },
    ]);
  });

  test('an invalid value posts nothing and shows the reason inline', async () => {
    const before = (await posted(page)).length;
    await page.locator('#hp-k input').fill('10');
    await page.locator('#hp-lr input').fill('-1');
    await page.locator('#hp-apply').click();
    assert.equal(await text(page, '#hp-feedback'), 'lr must be > 0');
    assert.equal(await page.locator('#hp-lr').getAttribute('aria-invalid'), '');
    assert.equal((await posted(page)).length, before);
    await page.locator('#hp-feedback').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ARTIFACTS, 'panel-invalid-input.png') });
  });

  test('the error and the invalid mark go as soon as the value is corrected, before Apply', async () => {
    const before = (await posted(page)).length;
    await page.locator('#hp-lr input').fill('-2');
    assert.equal(await text(page, '#hp-feedback'), 'lr must be > 0', 'still invalid: the message stays');
    await page.locator('#hp-lr input').fill('0.001');
    assert.equal(await text(page, '#hp-feedback'), '');
    assert.equal(await page.locator('#hp-lr').getAttribute('aria-invalid'), null);
    assert.equal((await posted(page)).length, before, 'correcting posts nothing by itself');
  });

  test('a finished status disables every control; notices are shown', async () => {
    await send(page, [{ type: 'status', status: run.status }, { type: 'notice', level: 'error', text: 'Could not send pause: the run has ended' }]);
    await settle(page, 0);
    await page.waitForFunction(() => document.querySelector('#run-state')?.textContent === 'finished');
    for (const id of ['control-pause', 'control-resume', 'control-stop', 'hp-apply']) {
      assert.equal(await page.locator(`#${id}`).getAttribute('disabled'), '', `${id} should be disabled`);
    }
    assert.equal(await text(page, '#notices'), 'Could not send pause: the run has ended');
  });

  test('no CSP violation and no page error', async () => {
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
    assert.deepEqual(pageErrors, []);
  });
});

describe('run panel, x axis restored from the webview state (hidden and shown again)', () => {
  test('a saved axis is applied to the replayed run before anything is clicked', async () => {
    const run = buildSyntheticRun();
    const page = await openPanel({ runDir: '/runs/x', xAxis: 'examples' });
    try {
      await replay(page, run);
      const xs = await page.evaluate(() => window.__heleneDebug!.chartXs()!);
      assert.equal(xs.axis, 'examples');
      assert.equal(xs.charts.loss.title, 'training examples seen');
      assert.deepEqual(xs.charts.loss.datasets[0].xs, run.records.filter((r): r is StepRecord => r.kind === 'step').map((r) => r.examples));
      assert.equal(await page.locator('#x-axis').evaluate((el) => (el as HTMLElement & { value: string }).value), 'examples');
      // An unknown saved value falls back to step (a newer or older panel wrote it).
    } finally {
      await page.close();
    }
    const other = await openPanel({ xAxis: 'furlongs' });
    try {
      await replay(other, run);
      assert.equal(await other.evaluate(() => window.__heleneDebug!.chartXs()!.axis), 'step');
    } finally {
      await other.close();
    }
  });
});

describe('run panel, control latency stamps when the page clock has drifted', () => {
  // A page's performance.timeOrigin is tied to the system clock once, when the page loads; after an
  // NTP step of the system clock it is off by the step. Simulated: the anchor 60 s behind.
  const DRIFT_MS = 60_000;
  const drift = `(() => { const real = Object.getOwnPropertyDescriptor(Performance.prototype, 'timeOrigin').get;
    Object.defineProperty(Performance.prototype, 'timeOrigin', { get() { return real.call(this) - ${DRIFT_MS}; } }); })();`;

  test('a Pause click is stamped on the system clock (the host and runtime stamp with Date.now()), not on the drifted page clock', async () => {
    const page = await openPanel(undefined, drift);
    try {
      await replay(page, buildSyntheticRun());
      const before = (await posted(page)).length;
      const clickedBefore = await page.evaluate(() => Date.now());
      await page.locator('#control-pause').click();
      const now = await page.evaluate(() => Date.now());
      const sent = (await posted(page)).slice(before) as { command?: string; trace?: { clickedAt: number; webviewAt: number } }[];
      assert.equal(sent.length, 1);
      const trace = sent[0].trace!;
      assert.equal(await page.evaluate(() => Math.round(Date.now() - (performance.timeOrigin + performance.now()))) >= DRIFT_MS - 1_000, true, 'the page clock really is behind');
      // Between the two Date.now() reads around the click, on the system clock (5 ms for the rounding of the two clocks).
      assert.ok(trace.clickedAt >= clickedBefore - 5 && trace.clickedAt <= trace.webviewAt && trace.webviewAt <= now, JSON.stringify({ clickedBefore, ...trace, now }));
    } finally {
      await page.close();
    }
  });
});

describe('run panel, a divergence guard skipped a step', () => {
  test('the guard event is a distinct marker at its step (and its counts on another axis), labelled with the guard and the outcome, and a notice', async () => {
    const message =
      'step 41: loss 12.3 is 7.885x its lowest running median 1.56 (guards.explosion.factor 4): the learning rate is too high; step skipped, theta untouched (1 skipped so far). If this repeats, lower optimizer.lr (try 0.0001).';
    const run = withGuardTrip(buildSyntheticRun({ ...DEFAULT_SYNTHETIC, steps: 80, changeAt: 0, evalEvery: 20 }), {
      t: 41, guard: 'loss-explosion', action: 'skipped', loss: 12.3, median: 1.6, reference: 1.56, factor: 4, message,
    });
    const label = 'guard: loss 12.3 > 4x median 1.56 — step skipped';
    const step40 = run.records.find((r): r is StepRecord => r.kind === 'step' && r.t === 40)!;
    const errorsBefore = pageErrors.length;
    const page = await openPanel();
    try {
      await replay(page, run);
      const markers = await page.evaluate(() => window.__heleneDebug!.chartMarkers()!);
      assert.deepEqual(markers.loss, ['0:provider', `41:${label}`]);
      const styles = await page.evaluate(() => window.__heleneDebug!.chartMarkerStyles()!);
      assert.deepEqual(styles, [
        { x: 0, label: 'provider', style: 'warning' },
        { x: 41, label, style: 'guard' },
      ]);
      assert.equal(await text(page, '#notices'), message);
      assert.match((await page.locator('#notices li').getAttribute('class'))!, /\binfo\b/);
      await page.locator('.chart-section').screenshot({ path: path.join(ARTIFACTS, 'panel-guard-marker.png') });

      // On the examples axis the marker sits at the examples the records reached before the skipped step.
      await page.locator('#x-axis').click();
      await page.locator('#x-axis vscode-option[value="examples"]').click();
      await page.waitForFunction(() => window.__heleneDebug!.chartXs()?.axis === 'examples');
      await settle(page, 0);
      const onExamples = await page.evaluate(() => window.__heleneDebug!.chartMarkers()!);
      assert.deepEqual(onExamples.loss, ['0:provider', `${step40.examples}:${label}`]);
      assert.equal(step40.examples, 40 * 16);
      assert.deepEqual(pageErrors.slice(errorsBefore), []);
    } finally {
      await page.close();
    }
  });
});

/** The synthetic run as MeZO records it: only the statistics every optimizer reports (layer-stats.ts baseStat). */
function asMezoRun(run: RunFolderData): RunFolderData {
  const manifest = structuredClone(run.manifest);
  manifest.config.optimizer = { ...manifest.config.optimizer, name: 'mezo' } as typeof manifest.config.optimizer;
  manifest.optimizer = { ...manifest.optimizer, name: 'mezo' };
  const records = run.records.map((r) =>
    r.kind === 'layers' ? { ...r, layers: r.layers.map((l) => ({ name: l.name, size: l.size, updateRms: l.updateRms, thetaRms: l.thetaRms, updateToWeight: l.updateToWeight })) } : r,
  );
  return { ...run, manifest, records: records as RunFolderData['records'] };
}

test('a MeZO run (the recommended optimizer) opens its heatmap on update / weight, which it reports, not on a blank HELENE statistic', async () => {
  const page = await openPanel();
  try {
    await replay(page, asMezoRun(buildSyntheticRun()));
    const heat = await page.evaluate(() => window.__heleneDebug!.heatmap());
    assert.equal(heat?.stat, 'updateToWeight');
    assert.ok(heat && heat.rows > 0 && heat.cols > 0);
    assert.doesNotMatch(await text(page, '.heatmap-legend'), /no values for this statistic/);
    // Its hyperparameter form offers what MeZO has (lr, eps), not HELENE's kappa, lambda, k, T, gamma, betas.
    const visible = await page.locator('.hp-fields > *').evaluateAll((els) => els.filter((e) => !(e as HTMLElement).hidden).map((e) => e.id));
    assert.deepEqual(visible, ['hp-lr', 'hp-eps']);
    // A choice the user made is kept over the default.
    const chosen = await openPanel({ heatmapStat: 'floorFraction' });
    try {
      await replay(chosen, asMezoRun(buildSyntheticRun()));
      assert.equal((await chosen.evaluate(() => window.__heleneDebug!.heatmap()))?.stat, 'floorFraction');
    } finally {
      await chosen.close();
    }
  } finally {
    await page.close();
  }
});

// Recorded runs dropped into test/fixtures/runs/<run-id>/ are replayed with the same checks.
for (const dir of [...recordedRunFolders(), ...(process.env.HELENE_REPLAY_RUN ? [process.env.HELENE_REPLAY_RUN] : [])]) {
  test(`recorded run ${path.basename(dir)} replays into the panel`, async () => {
    const run = readRunFolder(dir);
    const exp = expectationsOf(run);
    const page = await openPanel();
    try {
      await replay(page, run);
      await send(page, [{ type: 'status', status: run.status }]);
      await settle(page, 0);
      await page.waitForFunction((s) => document.querySelector('#run-state')?.textContent === s, run.status.state);
      assert.equal(await text(page, '#run-step'), `${formatCount(exp.lastStep.t)} / ${formatCount(exp.totalSteps)}`);
      assert.equal(await text(page, '#run-provider'), exp.provider);
      if (exp.lastLayers) {
        const rows = await page.locator('#layer-table tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.children, (c) => c.textContent)));
        assert.deepEqual(rows, exp.lastLayers.layers.map(layerRowCells));
      }
      const data = await page.evaluate(() => window.__heleneDebug!.chartData());
      assert.ok(data && data.loss[0].count <= 2000, 'the loss series is decimated');
      assert.deepEqual(data.loss[0].last, { x: exp.lastStep.t, y: exp.lastStep.loss });
      const heat = await page.evaluate(() => window.__heleneDebug!.heatmap());
      assert.equal(heat?.rows, exp.layerNames.length);
      // Up to 120 statistics records every column is exact; beyond, old ones merge within 300 columns.
      if (exp.layerRecords <= 120) assert.equal(heat?.cols, exp.layerRecords);
      else assert.ok(heat && heat.cols > 120 && heat.cols <= 300, `heatmap columns: ${heat?.cols}`);
      await page.screenshot({ path: path.join(ARTIFACTS, `panel-recorded-${path.basename(dir)}.png`), fullPage: true });
      assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
    } finally {
      await page.close();
    }
  });
}
