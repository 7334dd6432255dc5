/**
 * The compare page: overlay charts, summary table with speedups, config diff. The host owns the
 * comparison (it reads the run folders and computes every number with runtime/runs/) and pushes a
 * CompareViewModel; this page renders it, keeps the purely visual choices (x axis, smoothing, log
 * axis) in its saved state, and posts intents for the rest (baseline, target, exports, open run).
 */
import type { CompareTarget, CompareViewModel, HostToCompare } from '../../runtime/protocol';
import { createButton, createDropdown, registerUiKit } from '../ui-kit';
import { readThemeColours, watchThemeChanges } from '../theme';
import { compareHost } from './compare-host';
import { renderDiffTable } from './diff-table';
import { OverlayCharts, X_AXES, savedXAxis, type RenderedChart, type ViewOptions } from './overlay-charts';
import { chartThemeOf } from '../charts';
import { renderRunLegend } from './run-legend';
import { runColourMap, themeKind } from '../run-colours';
import { renderSummaryTable } from './summary-table';
import { chartToSvg, utf8ToBase64 } from './svg-chart';
import { el, heading, labelled, noticeLine, onHostMessage, showNotice } from '../dom';

const TARGETS: readonly { value: string; label: string; target: CompareTarget }[] = [
  { value: 'final', label: "baseline's final eval loss", target: { kind: 'final' } },
  { value: 'tail-3', label: 'mean of its last 3 evals', target: { kind: 'tail', evals: 3 } },
  { value: 'tail-5', label: 'mean of its last 5 evals', target: { kind: 'tail', evals: 5 } },
  { value: 'tail-10', label: 'mean of its last 10 evals', target: { kind: 'tail', evals: 10 } },
];

function targetValue(t: CompareTarget): string {
  return t.kind === 'final' ? 'final' : t.kind === 'tail' ? `tail-${t.evals}` : 'value';
}

const host = compareHost();
registerUiKit();

const saved = host.readState();
const view: ViewOptions = {
  xAxis: savedXAxis(saved.xAxis),
  smoothing: typeof saved.smoothing === 'number' && saved.smoothing >= 0 && saved.smoothing < 1 ? saved.smoothing : 0,
  logY: saved.logY === true,
};
let model: CompareViewModel | null = null;

const root = document.getElementById('root') ?? document.body;
const controls = el('div', 'controls');
const notice = noticeLine();
const legend = el('ul', 'run-legend', 'run-legend');
legend.setAttribute('aria-label', 'runs');
const chartsBox = el('div', 'charts', 'charts');
const tables = el('div', 'tables');
root.append(controls, notice, legend, chartsBox, tables);
const charts = new OverlayCharts(chartsBox, exportChart);

function renderControls(m: CompareViewModel): void {
  const xAxis = createDropdown({
    id: 'x-axis',
    ariaLabel: 'x axis',
    options: X_AXES.map((a) => ({ value: a.value, label: a.label })),
    selected: view.xAxis,
    onChange: (v) => setView({ xAxis: savedXAxis(v) }),
  });
  const smoothing = document.createElement('input');
  smoothing.type = 'range';
  smoothing.id = 'smoothing';
  smoothing.min = '0';
  smoothing.max = '0.99';
  smoothing.step = '0.01';
  smoothing.value = String(view.smoothing);
  const smoothingValue = el('span', 'control-value');
  smoothingValue.textContent = view.smoothing.toFixed(2);
  smoothing.addEventListener('input', () => (smoothingValue.textContent = Number(smoothing.value).toFixed(2)));
  smoothing.addEventListener('change', () => setView({ smoothing: Number(smoothing.value) }));
  const logY = document.createElement('input');
  logY.type = 'checkbox';
  logY.id = 'log-y';
  logY.checked = view.logY;
  logY.addEventListener('change', () => setView({ logY: logY.checked }));
  const baseline = createDropdown({
    id: 'baseline',
    ariaLabel: 'baseline run',
    options: m.runs.map((r) => ({ value: r.id, label: `${r.name} (${r.optimizer})` })),
    selected: m.baselineId,
    onChange: (runId) => host.post({ type: 'set-baseline', runId }),
  });
  const target = createDropdown({
    id: 'target',
    ariaLabel: 'target',
    options: TARGETS.map((t) => ({ value: t.value, label: t.label })),
    selected: targetValue(m.target),
    onChange: (v) => {
      const t = TARGETS.find((x) => x.value === v);
      if (t) host.post({ type: 'set-target', target: t.target });
    },
  });
  const smoothingBox = el('span', 'inline');
  smoothingBox.append(smoothing, smoothingValue);
  const exports = el('span', 'inline');
  exports.append(
    createButton({ id: 'export-summary-csv', label: 'Export CSV', title: 'the summary table as CSV', onClick: () => host.post({ type: 'export-csv', what: 'summary' }) }),
    createButton({ id: 'export-curves-csv', label: 'Curves CSV', title: 'every curve point as CSV (long format)', onClick: () => host.post({ type: 'export-csv', what: 'curves' }) }),
  );
  controls.replaceChildren(
    labelled('baseline', baseline),
    labelled('target', target),
    labelled('x axis', xAxis),
    labelled('smoothing', smoothingBox),
    labelled('log y', logY),
    exports,
  );
}

function setView(patch: Partial<ViewOptions>): void {
  Object.assign(view, patch);
  host.writeState({ ...view });
  if (model) charts.render(model, view, readThemeColours(), coloursOf(model));
  document.body.dataset.view = `${view.xAxis}|${view.smoothing}|${view.logY}`;
}

/** One colour per run, from its id (stable across comparisons), for the current theme. */
function coloursOf(m: CompareViewModel): Map<string, string> {
  return runColourMap(m.runs.map((r) => r.id), themeKind());
}

/** How long the last full render took (ms, performance.now), and its charts part: the 20-run measurement reads them. */
let lastRenderMs = 0;
let lastChartsMs = 0;

function render(m: CompareViewModel): void {
  const started = performance.now();
  model = m;
  const theme = readThemeColours();
  const colours = coloursOf(m);
  renderControls(m);
  legend.replaceChildren(...renderRunLegend(m, colours));
  const chartsStarted = performance.now();
  charts.render(m, view, theme, colours);
  lastChartsMs = performance.now() - chartsStarted;
  const parts: HTMLElement[] = [heading('Summary'), renderSummaryTable(m, colours, (runId) => host.post({ type: 'open-run', runId })), heading('Config differences'), renderDiffTable(m, colours)];
  if (m.unreadable.length) {
    const list = el('ul', 'unreadable');
    list.id = 'unreadable';
    for (const u of m.unreadable) {
      const li = document.createElement('li');
      li.textContent = `${u.id}: ${u.reason}`;
      list.append(li);
    }
    parts.push(heading('Not compared'), list);
  }
  tables.replaceChildren(...parts);
  document.body.dataset.baseline = m.baselineId;
  document.body.dataset.ready = 'true';
  lastRenderMs = performance.now() - started;
}

function exportChart(c: RenderedChart, format: 'png' | 'svg'): void {
  const theme = readThemeColours();
  if (format === 'png') {
    // The chart canvas is transparent; paint the theme background under it so the file reads anywhere.
    const out = document.createElement('canvas');
    out.width = c.canvas.width;
    out.height = c.canvas.height;
    const ctx = out.getContext('2d')!;
    ctx.fillStyle = theme.background;
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.drawImage(c.canvas, 0, 0);
    host.post({ type: 'export-image', format: 'png', chart: c.name, dataUrl: out.toDataURL('image/png') });
  } else {
    const svg = chartToSvg(c.chart, c.title, c.spec.xTitle, c.spec.y.title, theme);
    host.post({ type: 'export-image', format: 'svg', chart: c.name, dataUrl: `data:image/svg+xml;base64,${utf8ToBase64(svg)}` });
  }
}

onHostMessage<HostToCompare>((msg) => {
  if (msg.type === 'compare-data' && msg.model && Array.isArray(msg.model.runs)) {
    notice.textContent = '';
    render(msg.model);
  } else if (msg.type === 'notice') showNotice(notice, msg);
});
// Run colours have a light and a dark shade: the tables and the legend are redrawn too.
watchThemeChanges(() => model && render(model));

/**
 * Read-only window.__heleneCompareDebug for the headless-browser tests and the webview developer
 * tools: the x axis chosen, and per chart its x axis title and every dataset's x values (copies of
 * the points given, before Chart.js's decimation).
 */
Object.defineProperty(window, '__heleneCompareDebug', {
  value: Object.freeze({
    chartXs: () => ({
      axis: view.xAxis,
      charts: Object.fromEntries(
        charts.rendered.map((c) => {
          const title = (c.chart.options.scales?.x as { title?: { text?: unknown } } | undefined)?.title?.text;
          // The points the page gave each series (Chart.js may draw fewer of them: decimation).
          return [c.name, { title: String(title ?? ''), datasets: c.spec.series.map((s) => ({ label: s.label, xs: (c.data[s.key] ?? []).map((p) => p.x) })) }];
        }),
      ),
    }),
    /** Per chart, each dataset's label and line colour. */
    chartColours: () =>
      Object.fromEntries(charts.rendered.map((c) => [c.name, c.chart.data.datasets.map((ds) => ({ label: String(ds.label), colour: String(ds.borderColor) }))])),
    lastRenderMs: () => lastRenderMs,
    lastChartsMs: () => lastChartsMs,
    /** Per chart, the theme colours it draws with now. */
    chartTheme: () => Object.fromEntries(charts.rendered.map((c) => [c.name, chartThemeOf(c.chart)])),
  }),
  writable: false,
  configurable: false,
});
host.post({ type: 'ready' });
