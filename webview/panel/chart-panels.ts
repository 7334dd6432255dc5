/**
 * The panel's three charts — loss & evaluation, schedule (alpha_t, lr_t), step time split — built
 * from the view model's decimated series, with the run's event markers drawn on each.
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
import type { EventMarker, RunViewModel, SeriesKey } from './view-model';

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
  /** What each chart's datasets hold now (tests and diagnostics). */
  debugData(): Record<string, ChartDebugSeries[]>;
  debugMarkers(): Record<string, string[]>;
}

export function createChartPanels(parent: HTMLElement, theme: ThemeColours): ChartPanels {
  const grid = document.createElement('section');
  grid.className = 'chart-grid';
  grid.setAttribute('aria-label', 'Charts');
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
    canvas.setAttribute('aria-label', `${spec.title} chart: ${spec.series.map((s) => s.label).join(', ')} against step`);
    box.appendChild(canvas);
    card.append(caption, box);
    grid.appendChild(card);
    return { spec, chart: createLineChart(canvas, spec, theme) as LineChart };
  });
  parent.appendChild(grid);
  let markerLabels: string[] = [];

  return {
    update(vm, theme) {
      const markers: ChartMarker[] = vm.markers.map((m) => ({ x: m.t, label: m.label, style: markerStyle(m) }));
      markerLabels = markers.map((m) => `${m.x}:${m.label}`);
      for (const { spec, chart } of charts) {
        const data: Record<string, XY[]> = {};
        for (const s of spec.series) data[s.key] = vm.series[s.key].points();
        updateLineChart(chart, spec, data, markers, theme);
      }
    },
    retheme(theme) {
      for (const { spec, chart } of charts) applyChartTheme(chart, spec, theme);
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
  };
}
