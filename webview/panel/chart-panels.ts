/**
 * The panel's three charts — loss & evaluation, schedule (alpha_t, lr_t), step time split — built
 * from the view model's decimated series, with the run's event markers drawn on each, against the
 * x axis chosen above them (step, training forward passes, examples seen, wall time; x-axis.ts).
 * Switching the axis re-maps the points and markers the view model already holds: no host round trip.
 */
import {
  applyChartTheme,
  createLineChart,
  updateLineChart,
  type ChartMarker,
  type LineChart,
  type LineChartSpec,
  type XY,
} from '../charts';
import type { ThemeColours } from '../theme';
import { createDropdown } from '../ui-kit';
import type { EventMarker, RunViewModel, SeriesKey } from './view-model';
import { PANEL_X_AXES, axisValue, isXAxis, pointsOnAxis, xAxisTitle, type XAxis } from './x-axis';

interface ChartPanelSpec extends LineChartSpec {
  id: string;
  title: string;
  series: readonly (LineChartSpec['series'][number] & { key: SeriesKey })[];
}

export const CHART_SPECS: readonly ChartPanelSpec[] = [
  {
    id: 'loss',
    title: 'Loss',
    xTitle: 'step',
    y: { title: 'loss' },
    y1: { title: 'accuracy', min: 0, max: 1 },
    series: [
      { key: 'trainLoss', label: 'train loss', colour: 'blue', axis: 'y' },
      { key: 'evalLoss', label: 'eval loss', colour: 'orange', axis: 'y', points: true },
      { key: 'evalAccuracy', label: 'eval accuracy', colour: 'green', axis: 'y1', points: true, dashed: true },
    ],
  },
  {
    id: 'schedule',
    title: 'Schedule',
    xTitle: 'step',
    y: { title: 'αₜ' },
    y1: { title: 'lrₜ' },
    series: [
      { key: 'alpha', label: 'αₜ (annealing)', colour: 'purple', axis: 'y' },
      { key: 'lr', label: 'lrₜ', colour: 'blue', axis: 'y1' },
    ],
  },
  {
    id: 'timing',
    title: 'Step time',
    xTitle: 'step',
    y: { title: 'ms per step', min: 0 },
    y1: { title: 'examples / s', min: 0 },
    series: [
      { key: 'forwardMs', label: 'forward', colour: 'blue', axis: 'y' },
      { key: 'rngMs', label: 'rng', colour: 'purple', axis: 'y' },
      { key: 'optimizerMs', label: 'optimizer', colour: 'orange', axis: 'y' },
      { key: 'dataMs', label: 'data', colour: 'green', axis: 'y' },
      { key: 'examplesPerSec', label: 'examples/s', colour: 'muted', axis: 'y1' },
    ],
  },
];

function markerStyle(m: EventMarker): ChartMarker['style'] {
  if (m.event === 'hyperparameters') return 'change';
  if (m.event === 'paused' || m.event === 'resumed' || m.event === 'stop-requested') return 'pause';
  if (m.event === 'guard') return 'guard';
  return 'warning';
}

export interface ChartDebugSeries {
  label: string;
  count: number;
  last: XY | null;
}

export interface ChartPanels {
  update(vm: RunViewModel, theme: ThemeColours): void;
  retheme(theme: ThemeColours): void;
  readonly xAxis: XAxis;
  /** What each chart's datasets hold now (tests and diagnostics). */
  debugData(): Record<string, ChartDebugSeries[]>;
  debugMarkers(): Record<string, string[]>;
  /** The markers drawn (the same on every chart): x on the current axis, label and line style. */
  debugMarkerStyles(): { x: number; label: string; style: ChartMarker['style'] }[];
  /** Every x value of every dataset, and the x axis title each chart shows. */
  debugXs(): Record<string, { title: string; datasets: { label: string; xs: number[] }[] }>;
}

/**
 * `onXAxisChange` is called when the user picks another axis (the caller persists it and schedules a
 * chart redraw, which re-maps the points on the next update).
 */
export function createChartPanels(parent: HTMLElement, theme: ThemeColours, initialXAxis: XAxis, onXAxisChange: (axis: XAxis) => void): ChartPanels {
  let xAxis = initialXAxis;
  /** The axis the charts' options (title) were last built for. */
  let builtFor: XAxis = initialXAxis;
  const section = document.createElement('section');
  section.className = 'chart-section';
  section.setAttribute('aria-label', 'Charts');
  const head = document.createElement('div');
  head.className = 'section-head chart-toolbar';
  const label = document.createElement('span');
  label.className = 'control-label';
  label.id = 'x-axis-label';
  label.textContent = 'x axis';
  const selector = createDropdown({
    id: 'x-axis',
    ariaLabel: 'x axis of the charts',
    options: PANEL_X_AXES.map((a) => ({ value: a.value, label: a.label })),
    selected: xAxis,
    onChange: (v) => {
      if (!isXAxis(v) || v === xAxis) return;
      xAxis = v;
      onXAxisChange(v);
    },
  });
  head.append(label, selector);
  const grid = document.createElement('div');
  grid.className = 'chart-grid';
  section.append(head, grid);
  const specFor = (spec: ChartPanelSpec): ChartPanelSpec => ({ ...spec, xTitle: xAxisTitle(xAxis) });
  const ariaLabel = (spec: ChartPanelSpec) => `${spec.title} chart: ${spec.series.map((s) => s.label).join(', ')} against ${xAxisTitle(xAxis)}`;
  const charts = CHART_SPECS.map((spec) => {
    const card = document.createElement('figure');
    card.className = 'chart-card';
    const caption = document.createElement('figcaption');
    caption.textContent = spec.title;
    const box = document.createElement('div');
    box.className = 'chart-box';
    const canvas = document.createElement('canvas');
    canvas.id = `chart-${spec.id}`;
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', ariaLabel(spec));
    box.appendChild(canvas);
    card.append(caption, box);
    grid.appendChild(card);
    return { spec, canvas, chart: createLineChart(canvas, specFor(spec), theme) as LineChart };
  });
  parent.appendChild(section);
  let markerLabels: string[] = [];
  let drawnMarkers: ChartMarker[] = [];

  return {
    update(vm, theme) {
      if (builtFor !== xAxis) {
        builtFor = xAxis;
        for (const { spec, chart, canvas } of charts) {
          applyChartTheme(chart, specFor(spec), theme);
          canvas.setAttribute('aria-label', ariaLabel(spec));
        }
      }
      const markers: ChartMarker[] = vm.markers.map((m) => ({ x: axisValue(m.at, xAxis), label: m.label, style: markerStyle(m) }));
      markerLabels = markers.map((m) => `${m.x}:${m.label}`);
      drawnMarkers = markers;
      for (const { spec, chart } of charts) {
        const data: Record<string, XY[]> = {};
        for (const s of spec.series) data[s.key] = pointsOnAxis(vm.series[s.key].points(), xAxis);
        updateLineChart(chart, specFor(spec), data, markers, theme);
      }
    },
    retheme(theme) {
      for (const { spec, chart } of charts) applyChartTheme(chart, specFor(spec), theme);
    },
    get xAxis() {
      return xAxis;
    },
    debugData() {
      return Object.fromEntries(
        charts.map(({ spec, chart }) => [
          spec.id,
          chart.data.datasets.map((ds) => {
            const data = ds.data as XY[];
            return { label: String(ds.label), count: data.length, last: data.length ? { ...data[data.length - 1] } : null };
          }),
        ]),
      );
    },
    debugMarkers() {
      return Object.fromEntries(charts.map(({ spec }) => [spec.id, [...markerLabels]]));
    },
    debugMarkerStyles() {
      return drawnMarkers.map((m) => ({ ...m }));
    },
    debugXs() {
      return Object.fromEntries(
        charts.map(({ spec, chart }) => {
          const title = (chart.options.scales?.x as { title?: { text?: unknown } } | undefined)?.title?.text;
          return [
            spec.id,
            { title: String(title ?? ''), datasets: chart.data.datasets.map((ds) => ({ label: String(ds.label), xs: (ds.data as XY[]).map((p) => p.x) })) },
          ];
        }),
      );
    },
  };
}
