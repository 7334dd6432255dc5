/**
 * The sweep views page: parallel coordinates (brushing filters the lines here and, through the
 * host, the Experiments table), a metric-vs-parameter scatter and the importance ranking. The host
 * pushes a SweepViewsModel (every number computed in runtime/); the page keeps its view choices
 * (metric, scatter parameter, log x, brushes) in its saved state and posts SweepViewsIntents.
 */
import type { HostToSweepViews, SweepMetricChoice, SweepParamAxis, SweepViewsModel } from '../../runtime/protocol';
import { createDropdown, registerUiKit } from '../ui-kit';
import { watchThemeChanges } from '../theme';
import { keptRows, tableRanges, type Brush, type Brushes } from './brushes';
import { renderImportance } from './importance-view';
import { ParallelCoordinates } from './parallel-coordinates';
import { Scatter } from './scatter';
import { sweepViewsHost } from './sweep-host';
import { caption, el, heading, labelled, noticeLine, onHostMessage, showNotice } from '../dom';

const host = sweepViewsHost();
registerUiKit();

interface ViewState {
  metric: string | null;
  scatterParam: string | null;
  /** null: log where the parameter spans decades. */
  logX: boolean | null;
  brushes: Brushes;
}

const saved = host.readState();
const view: ViewState = {
  metric: typeof saved.metric === 'string' ? saved.metric : null,
  scatterParam: typeof saved.scatterParam === 'string' ? saved.scatterParam : null,
  logX: typeof saved.logX === 'boolean' ? saved.logX : null,
  brushes: typeof saved.brushes === 'object' && saved.brushes !== null ? (saved.brushes as Brushes) : {},
};
let model: SweepViewsModel | null = null;
let lastRenderMs = 0;

const root = document.getElementById('root') ?? document.body;
const title = el('h1', 'title');
const summary = el('p', 'caption', 'sweep-summary');
const controls = el('div', 'controls');
const notice = noticeLine();
const parcoordsBox = el('div', 'plot', 'parcoords-box');
const selection = el('p', 'caption', 'selection');
const scatterControls = el('div', 'controls');
const scatterBox = el('div', 'plot', 'scatter-box');
const importanceBox = el('div', 'importance');
root.append(
  title, summary, controls, notice,
  heading('Parallel coordinates'), caption('Drag along an axis to brush a range (click the axis to clear it). Lines are coloured by the metric, brightest = best; the brushed ranges also filter the Experiments table.'), parcoordsBox, selection,
  heading('Metric against a parameter'), scatterControls, scatterBox,
  heading('Hyperparameter importance'), importanceBox,
);
const parcoords = new ParallelCoordinates(parcoordsBox, setBrush, openRun);
const scatter = new Scatter(scatterBox, openRun);

function openRun(id: string): void {
  host.post({ type: 'open-run', id });
}

function metricOf(m: SweepViewsModel): SweepMetricChoice {
  return m.metrics.find((c) => c.key === view.metric) ?? m.metrics.find((c) => c.key === m.defaultMetric) ?? m.metrics[0];
}

function scatterParamOf(m: SweepViewsModel, metric: SweepMetricChoice): SweepParamAxis | undefined {
  const mostImportant = m.importance[metric.key]?.parameters[0]?.key;
  return m.params.find((p) => p.key === view.scatterParam) ?? m.params.find((p) => p.key === mostImportant) ?? m.params[0];
}

function saveView(): void {
  host.writeState({ metric: view.metric, scatterParam: view.scatterParam, logX: view.logX, brushes: view.brushes });
}

function setBrush(key: string, brush: Brush | null): void {
  if (brush) view.brushes = { ...view.brushes, [key]: brush };
  else {
    const { [key]: _gone, ...rest } = view.brushes;
    view.brushes = rest;
  }
  saveView();
  if (!model) return;
  renderPlots(model);
  postFilter(model);
}

function postFilter(m: SweepViewsModel): void {
  host.post({ type: 'filter', ranges: tableRanges(view.brushes, m.params, metricOf(m)) });
}

function renderControls(m: SweepViewsModel): void {
  const metric = metricOf(m);
  controls.replaceChildren(
    labelled('metric', createDropdown({
      id: 'metric',
      ariaLabel: 'metric',
      options: m.metrics.map((c) => ({ value: c.key, label: c.label })),
      selected: metric.key,
      onChange: (v) => {
        view.metric = v;
        // A brush on the old metric's axis has no axis any more.
        view.brushes = Object.fromEntries(Object.entries(view.brushes).filter(([k]) => !k.startsWith('metric:')));
        saveView();
        render(m);
        postFilter(m);
      },
    })),
  );
  const param = scatterParamOf(m, metric);
  if (!param) {
    scatterControls.replaceChildren();
    return;
  }
  const logX = document.createElement('input');
  logX.type = 'checkbox';
  logX.id = 'scatter-log-x';
  const positive = param.kind === 'numeric' && (param.values as number[]).every((v) => v > 0);
  logX.checked = positive && (view.logX ?? param.log);
  logX.disabled = !positive;
  logX.addEventListener('change', () => {
    view.logX = logX.checked;
    saveView();
    renderPlots(m);
  });
  scatterControls.replaceChildren(
    labelled('parameter', createDropdown({
      id: 'scatter-param',
      ariaLabel: 'scatter parameter',
      options: m.params.map((p) => ({ value: p.key, label: p.key })),
      selected: param.key,
      onChange: (v) => {
        view.scatterParam = v;
        view.logX = null;
        saveView();
        render(m);
      },
    })),
    labelled('log x', logX),
  );
}

function renderPlots(m: SweepViewsModel): void {
  const metric = metricOf(m);
  const kept = keptRows(m.rows, view.brushes, metric);
  parcoords.render({ rows: m.rows, params: m.params, metric, brushes: view.brushes, kept });
  const param = scatterParamOf(m, metric);
  if (param) scatter.render({ rows: m.rows, param, metric, logX: param.kind === 'numeric' && (view.logX ?? param.log), kept });
  const withMetric = m.rows.filter((r) => r.metrics[metric.metric]?.[metric.stat] !== undefined).length;
  selection.textContent = `${kept.size} of ${m.rows.length} runs kept by the brushes${withMetric < m.rows.length ? `; ${m.rows.length - withMetric} without ${metric.label} are not drawn` : ''}.`;
  selection.dataset.kept = String(kept.size);
}

function render(m: SweepViewsModel): void {
  const started = performance.now();
  model = m;
  const metric = metricOf(m);
  title.textContent = `Sweep ${m.sweepId}`;
  summary.textContent = `${m.grid} — ${m.rows.length} run${m.rows.length === 1 ? '' : 's'} with a folder${m.pending ? `, ${m.pending} not started` : ''} (${m.state}).`;
  renderControls(m);
  renderPlots(m);
  importanceBox.replaceChildren(renderImportance(m.importance[metric.key], metric));
  document.body.dataset.ready = 'true';
  lastRenderMs = performance.now() - started;
}

onHostMessage<HostToSweepViews>((msg) => {
  if (msg.type === 'sweep-data' && msg.model && Array.isArray(msg.model.rows)) {
    notice.textContent = '';
    render(msg.model);
  } else if (msg.type === 'notice') showNotice(notice, msg);
});

// The plots are as wide as the page: redraw them when it resizes (once per frame at most).
let resizeFrame = 0;
new ResizeObserver(() => {
  if (!model || resizeFrame) return;
  resizeFrame = requestAnimationFrame(() => {
    resizeFrame = 0;
    if (model) renderPlots(model);
  });
}).observe(parcoordsBox);
watchThemeChanges(() => model && renderPlots(model));

/** Read-only window.__heleneSweepDebug for the headless-browser tests and the developer tools. */
Object.defineProperty(window, '__heleneSweepDebug', {
  value: Object.freeze({ lastRenderMs: () => lastRenderMs, brushes: () => JSON.parse(JSON.stringify(view.brushes)) as Brushes }),
  writable: false,
  configurable: false,
});
host.post({ type: 'ready' });
