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
  chartThemeOf,
  type ChartMarker,
  type LineChart,
  type LineChartSpec,
  type SeriesSpec,
  type XY,
} from '../charts';
import { getMarkerLayout } from '../chart-event-markers';
import type { MarkerGroup } from '../marker-layout';
import { formatCount } from './number-format';
import { THROUGHPUT_READOUT_STEPS, movingMean, recentMean } from './smooth';
import type { Chart } from 'chart.js';
import type { ThemeColours } from '../theme';
import { createDropdown } from '../ui-kit';
import type { EventMarker, RunViewModel, SeriesKey } from './view-model';
import { PANEL_X_AXES, axisValue, isXAxis, pointsOnAxis, xAxisTitle, type XAxis } from './x-axis';

interface PanelSeriesSpec extends SeriesSpec {
  key: SeriesKey;
  /** Drawn as a moving mean (smooth.ts) instead of raw: a noisy series must not hide the others. */
  smooth?: boolean;
}

interface ChartPanelSpec extends LineChartSpec {
  id: string;
  title: string;
  series: readonly PanelSeriesSpec[];
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
    y: { title: 'αₜ', grace: '10%' },
    y1: { title: 'lrₜ', grace: '10%' },
    series: [
      { key: 'alpha', label: 'αₜ (annealing)', colour: 'purple', axis: 'y' },
      { key: 'lr', label: 'lrₜ', colour: 'blue', axis: 'y1' },
    ],
  },
  {
    id: 'timing',
    title: 'Step time',
    xTitle: 'step',
    y: { title: 'ms per step', min: 0, grace: '10%' },
    // Throughput on its own axis, as a thin dashed moving mean: raw, its per-step jitter was a
    // band that dominated the chart; the current value is also the number in the caption.
    y1: { title: 'examples / s (mean)', min: 0, grace: '10%' },
    series: [
      { key: 'forwardMs', label: 'forward', colour: 'blue', axis: 'y' },
      { key: 'rngMs', label: 'rng', colour: 'purple', axis: 'y' },
      { key: 'optimizerMs', label: 'optimizer', colour: 'orange', axis: 'y' },
      { key: 'dataMs', label: 'data', colour: 'green', axis: 'y' },
      { key: 'examplesPerSec', label: 'examples/s (mean)', colour: 'muted', axis: 'y1', smooth: true, dashed: true, width: 1 },
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
  /** Per chart, the theme colours it draws with now. */
  debugTheme(): Record<string, ReturnType<typeof chartThemeOf>>;
  /** Per chart, the marker groups and label boxes the plugin computed on its last draw. */
  debugMarkerLayout(): Record<string, MarkerGroup[]>;
  /** Per chart, the plot area, the canvas size and where each dataset's values landed (pixels). */
  debugGeometry(): Record<string, ChartGeometry>;
}

export interface ChartGeometry {
  area: { left: number; right: number; top: number; bottom: number };
  canvas: { cssWidth: number; cssHeight: number; width: number; height: number };
  datasets: { label: string; axis: string; ys: number[]; pixelYs: number[]; borderWidth: number; fill: boolean; dashed: boolean }[];
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
    if (spec.id === 'timing') {
      const readout = document.createElement('span');
      readout.className = 'chart-readout';
      readout.id = 'throughput-readout';
      readout.title = `mean of the last ${THROUGHPUT_READOUT_STEPS} steps`;
      caption.append(readout);
    }
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
        for (const s of spec.series) {
          const points = vm.series[s.key].points();
          data[s.key] = pointsOnAxis(s.smooth ? movingMean(points) : points, xAxis);
        }
        updateLineChart(chart, specFor(spec), data, markers, theme);
      }
      const readout = parent.querySelector('#throughput-readout');
      const mean = recentMean(vm.series.examplesPerSec.points(), THROUGHPUT_READOUT_STEPS);
      if (readout) readout.textContent = mean === null ? '' : `${formatCount(mean)} examples/s`;
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
    debugMarkerLayout() {
      return Object.fromEntries(charts.map(({ spec, chart }) => [spec.id, getMarkerLayout(chart as unknown as Chart)]));
    },
    debugGeometry() {
      return Object.fromEntries(
        charts.map(({ spec, chart, canvas }) => {
          const a = chart.chartArea;
          return [
            spec.id,
            {
              area: { left: a.left, right: a.right, top: a.top, bottom: a.bottom },
              canvas: { cssWidth: canvas.clientWidth, cssHeight: canvas.clientHeight, width: canvas.width, height: canvas.height },
              datasets: chart.data.datasets.map((ds) => {
                const axis = String(ds.yAxisID ?? 'y');
                const scale = chart.scales[axis];
                const ys = (ds.data as XY[]).map((p) => p.y);
                return {
                  label: String(ds.label),
                  axis,
                  ys,
                  pixelYs: ys.filter(Number.isFinite).map((y) => scale.getPixelForValue(y)),
                  borderWidth: Number(ds.borderWidth),
                  fill: Boolean((ds as { fill?: unknown }).fill),
                  dashed: Array.isArray(ds.borderDash) && ds.borderDash.length > 0,
                };
              }),
            },
          ];
        }),
      );
    },
    debugTheme() {
      return Object.fromEntries(charts.map(({ spec, chart }) => [spec.id, chartThemeOf(chart)]));
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
