/**
 * The compare view in headless Chromium on REAL run folders made by the runtime in this test (the
 * CLI's demo: MeZO and HELENE on the demo task, plus a HiZOO run of the same config): the summary
 * table's numbers must equal the vscode-free computations, the baseline selector and the target
 * rule must recompute them, and the exports must produce the files. Screenshots go to
 * test-artifacts/webview/compare-*.png.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openComparePage, type ComparePage } from './compare-harness';
import { readRunFolderSync } from '../../runtime/run/run-reader';
import { accountedPoints } from '../../runtime/run/accounting';
import { speedupAgainst } from '../../runtime/run/compare';
import { buildSummaryRows } from '../../runtime/runs/compare-model';
import { summaryCsv } from '../../runtime/runs/compare-export';
import { SUMMARY_COLUMNS } from '../../webview/compare/summary-table';
import type { CompareSummaryRow, CompareTarget } from '../../runtime/protocol';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
const SHOTS = path.resolve(__dirname, '../../test-artifacts/webview');
const STEPS = 400;

let work: string;
let runDirs: string[] = [];
let ids: { mezo: string; helene: string; hizoo: string };
let ui: ComparePage;

function cli(args: string[]): string {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-compare-ui-'));
  cli(['demo', '--dir', work, '--steps', String(STEPS)]);
  cli(['train', '--config', path.join(work, 'mezo.helene.json'), '--optimizer', 'hizoo', '--run-id', 'hizoo-run', '--quiet']);
  const runs = path.join(work, 'runs');
  runDirs = fs.readdirSync(runs).filter((d) => !d.startsWith('.')).sort().map((d) => path.join(runs, d));
  const idOf = (opt: string) => path.basename(runDirs.find((d) => readRunFolderSync(d).manifest!.optimizer.name === opt)!);
  ids = { mezo: idOf('mezo'), helene: idOf('helene'), hizoo: idOf('hizoo') };
  // A broken folder beside them: listed as not compared, never fatal.
  fs.mkdirSync(path.join(runs, 'zz-broken'));
  fs.writeFileSync(path.join(runs, 'zz-broken', 'run.json'), '{"format":"helene-run","version":');
  fs.mkdirSync(SHOTS, { recursive: true });
  ui = await openComparePage([...runDirs, path.join(runs, 'zz-broken')], work);
});

after(async () => {
  await ui?.close();
});

function expectedRows(baselineId: string, target: CompareTarget): CompareSummaryRow[] {
  const inputs = runDirs.map((d) => ({ id: path.basename(d), snapshot: readRunFolderSync(d) }));
  return buildSummaryRows(inputs, baselineId, target).rows;
}

async function tableCells(): Promise<Record<string, Record<string, { text: string; value: string }>>> {
  return ui.page.$$eval('#summary-table tbody tr', (rows) =>
    Object.fromEntries(
      rows.map((tr) => [
        (tr as HTMLElement).dataset.run!,
        Object.fromEntries([...tr.querySelectorAll('td')].map((td) => [td.dataset.col!, { text: td.textContent!.trim(), value: td.dataset.value ?? '' }])),
      ]),
    ),
  );
}

async function assertTableShows(rows: CompareSummaryRow[]): Promise<void> {
  const cells = await tableCells();
  assert.deepEqual(Object.keys(cells).sort(), rows.map((r) => r.id).sort());
  for (const r of rows) {
    for (const c of SUMMARY_COLUMNS) {
      const v = c.value(r);
      assert.equal(cells[r.id][c.key].value, v === null ? '' : String(v), `${r.id} ${c.key} (value)`);
      assert.equal(cells[r.id][c.key].text, c.text(r), `${r.id} ${c.key} (text)`);
    }
  }
}

async function choose(selector: string, value: string): Promise<void> {
  const before = ui.posted.length;
  await ui.page.$eval(
    selector,
    (el, v) => {
      (el as HTMLElement & { value: string }).value = v;
      el.dispatchEvent(new Event('change'));
    },
    value,
  );
  await waitFor(() => ui.posted.length > before, `${selector} = ${value} answered`);
}

async function waitFor(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('the summary table shows the vscode-free numbers, MeZO as the default baseline', async () => {
  assert.equal(await ui.page.getAttribute('body', 'data-baseline'), ids.mezo);
  const rows = expectedRows(ids.mezo, { kind: 'final' });
  await assertTableShows(rows);
  const by = Object.fromEntries(rows.map((r) => [r.id, r]));
  // Cross-check with the low-level arithmetic the demo uses.
  const rec = (id: string) => readRunFolderSync(runDirs.find((d) => path.basename(d) === id)!).records;
  for (const id of [ids.helene, ids.hizoo]) {
    const s = speedupAgainst(rec(ids.mezo), rec(id), { kind: 'final' })!;
    assert.equal(by[id].stepSpeedup, s.stepRatio, `${id} step speedup`);
    assert.equal(by[id].passSpeedup, s.passRatio, `${id} pass speedup`);
  }
  // Training passes are exactly passes/step x steps (evaluation excluded): 2, 2 and 3 (HiZOO).
  assert.equal(by[ids.hizoo].forwardPassesPerStep, 3);
  for (const r of rows) {
    assert.equal(r.steps, STEPS);
    assert.equal(r.trainingPasses, r.forwardPassesPerStep * STEPS, `${r.id} training passes`);
    if (r.hit) assert.equal(r.hit.trainingPasses, r.forwardPassesPerStep * r.hit.t, `${r.id} passes to target`);
  }
  assert.equal(by[ids.mezo].stepSpeedup, 1);
  const target = await ui.page.getAttribute('#target-line', 'data-value');
  assert.equal(Number(target), rows.find((r) => r.isBaseline)!.finalEvalLoss!.value);
  await ui.page.screenshot({ path: path.join(SHOTS, 'compare-overview.png'), fullPage: true });
});

test('config diff lists only the keys that differ; the broken folder is listed, not compared', async () => {
  const keys = await ui.page.$$eval('#diff-table tbody tr', (rows) => rows.map((r) => (r as HTMLElement).dataset.key));
  assert.deepEqual(keys, ui.controller.model.diff.map((d) => d.key));
  assert.ok(keys.includes('optimizer.name') && keys.includes('optimizer.lr'), `diff keys: ${keys.join(', ')}`);
  assert.ok(!keys.includes('seed') && !keys.includes('steps'), 'equal keys are not shown');
  const optimizers = await ui.page.$$eval('#diff-table tr[data-key="optimizer.name"] td[data-run]', (tds) => tds.map((td) => td.textContent));
  // The diff shows config values (the variant is its own key), the same values the model computed.
  const expected = ui.controller.model.diff.find((d) => d.key === 'optimizer.name')!.values;
  assert.deepEqual(optimizers, expected.map((v) => v ?? ''));
  assert.deepEqual(new Set(optimizers), new Set(['mezo', 'helene', 'hizoo']));
  assert.match(await ui.page.textContent('#unreadable') ?? '', /zz-broken: .*run\.json/);
});

test('choosing another baseline and a tail target recomputes the table', async () => {
  await choose('#baseline', ids.helene);
  await ui.page.waitForSelector(`body[data-baseline="${ids.helene}"]`);
  await assertTableShows(expectedRows(ids.helene, { kind: 'final' }));
  await choose('#target', 'tail-3');
  await ui.page.waitForFunction(() => document.querySelector('#target-line')?.textContent?.includes('last 3'));
  await assertTableShows(expectedRows(ids.helene, { kind: 'tail', evals: 3 }));
  await choose('#baseline', ids.mezo);
  await choose('#target', 'final');
  await ui.page.waitForFunction(() => document.querySelector('#target-line')?.textContent?.includes('final'));
  await assertTableShows(expectedRows(ids.mezo, { kind: 'final' }));
});

test('x axis, smoothing and log axis are view choices: no host round trip, charts redrawn', async () => {
  const before = ui.posted.length;
  await ui.page.$eval('#x-axis', (el) => {
    (el as HTMLElement & { value: string }).value = 'forwardPasses';
    el.dispatchEvent(new Event('change'));
  });
  await ui.page.$eval('#smoothing', (el) => {
    (el as HTMLInputElement).value = '0.6';
    el.dispatchEvent(new Event('change'));
  });
  await ui.page.click('#log-y');
  assert.equal(await ui.page.getAttribute('body', 'data-view'), 'forwardPasses|0.6|true');
  assert.equal(ui.posted.length, before, 'the host was not asked');
  const charts = await ui.page.$$eval('figure.chart', (fs) => fs.map((f) => (f as HTMLElement).dataset.chart));
  assert.deepEqual(charts, ['train-loss', 'eval-loss', 'eval-metric']);
  await ui.page.screenshot({ path: path.join(SHOTS, 'compare-passes-log.png'), fullPage: true });
});

interface CompareDebug {
  chartXs(): { axis: string; charts: Record<string, { title: string; datasets: { label: string; xs: number[] }[] }> };
}

test('x axis "examples seen": every chart point sits at its record\'s training examples; the SVG export says so', async () => {
  const options = await ui.page.$eval('#x-axis', (el) => [...el.querySelectorAll('vscode-option, option')].map((o) => o.getAttribute('value')));
  assert.deepEqual(options, ['step', 'forwardPasses', 'examples', 'wallSeconds']);
  const before = ui.posted.length;
  await ui.page.$eval('#x-axis', (el) => {
    (el as HTMLElement & { value: string }).value = 'examples';
    el.dispatchEvent(new Event('change'));
  });
  assert.match(await ui.page.getAttribute('body', 'data-view') ?? '', /^examples\|/);
  assert.equal(ui.posted.length, before, 'the host was not asked');
  const xs = await ui.page.evaluate(() => (window as unknown as { __heleneCompareDebug: CompareDebug }).__heleneCompareDebug.chartXs());
  assert.equal(xs.axis, 'examples');
  const model = ui.controller.model;
  // Datasets are in the model's run order (runs without that curve left out), then the target line.
  const curveOf = { 'train-loss': 'trainLoss', 'eval-loss': 'evalLoss', 'eval-metric': 'evalMetric' } as const;
  const datasetOf = (chart: keyof typeof curveOf, id: string) => {
    const runs = model.runs.filter((r) => r[curveOf[chart]].length > 0);
    const i = runs.findIndex((r) => r.id === id);
    assert.ok(i >= 0, `${chart}: a dataset for ${id}`);
    const ds = xs.charts[chart].datasets[i];
    assert.equal(ds.label, runs[i].name);
    return ds;
  };
  for (const run of runDirs) {
    const id = path.basename(run);
    // Expected x values straight from the records, by the runtime's accounting (not the curve code).
    const points = accountedPoints(readRunFolderSync(run).records);
    const steps = points.filter((p) => p.kind === 'step' && Number.isFinite(p.loss)).map((p) => p.examples);
    const evals = points.filter((p) => p.kind === 'eval');
    assert.ok(steps.length === STEPS && evals.length > 1, `${id}: ${steps.length} steps, ${evals.length} evals`);
    // The batch size of the demo config times the step: examples really differ from steps here.
    assert.ok(steps[STEPS - 1] > STEPS, `${id}: ${steps[STEPS - 1]} examples after ${STEPS} steps`);
    const expected: Record<keyof typeof curveOf, number[]> = {
      'train-loss': steps,
      'eval-loss': evals.map((p) => p.examples),
      'eval-metric': evals.filter((p) => p.accuracy !== undefined).map((p) => p.examples),
    };
    for (const chart of Object.keys(curveOf) as (keyof typeof curveOf)[]) {
      assert.deepEqual(datasetOf(chart, id).xs, expected[chart], `${chart} x values of ${id}`);
    }
  }
  for (const c of Object.values(xs.charts)) assert.equal(c.title, 'training examples seen');
  const label = await ui.page.$eval('figure.chart[data-chart="eval-loss"] canvas', (c) => c.getAttribute('aria-label'));
  assert.equal(label, 'Eval loss against training examples seen');
  await ui.page.click('[data-export="eval-loss-svg"]');
  await waitFor(() => ui.saved.some((s) => s.name === 'compare-eval-loss.svg'), 'SVG');
  const svg = ui.saved.find((s) => s.name === 'compare-eval-loss.svg')!.content.toString('utf8');
  assert.match(svg, />training examples seen<\/text>/);
  assert.doesNotMatch(svg, />step<\/text>/);
  await ui.page.screenshot({ path: path.join(SHOTS, 'compare-examples.png'), fullPage: true });
});

test('exports: summary CSV equals the vscode-free CSV; PNG and SVG of a chart; open a run', async () => {
  const n = ui.saved.length;
  await ui.page.click('#export-summary-csv');
  await waitFor(() => ui.saved.length > n, 'summary CSV');
  const csv = ui.saved[ui.saved.length - 1];
  assert.equal(csv.name, 'compare-summary.csv');
  assert.equal(csv.content.toString('utf8'), summaryCsv(ui.controller.model));
  assert.equal(csv.content.toString('utf8').split('\r\n').filter(Boolean).length, 1 + runDirs.length);
  await ui.page.click('[data-export="eval-loss-png"]');
  await waitFor(() => ui.saved.some((s) => s.name === 'compare-eval-loss.png'), 'PNG');
  const png = ui.saved.find((s) => s.name === 'compare-eval-loss.png')!;
  assert.deepEqual([...png.content.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  await ui.page.click('[data-export="train-loss-svg"]');
  await waitFor(() => ui.saved.some((s) => s.name === 'compare-train-loss.svg'), 'SVG');
  const svg = ui.saved.find((s) => s.name === 'compare-train-loss.svg')!.content.toString('utf8');
  assert.match(svg, /^<svg xmlns/);
  assert.equal((svg.match(/<path /g) ?? []).length, runDirs.length, 'one path per run');
  await ui.page.click(`#summary-table tr[data-run="${ids.hizoo}"] td[data-col="name"] a`);
  await waitFor(() => ui.opened.length > 0, 'open-run');
  assert.equal(path.basename(ui.opened[0]), ids.hizoo);
  assert.deepEqual(ui.controller.rejected, []);
});
