/**
 * Chart.js set-up for the webviews. Only the parts the panel uses are registered (tree-shaking keeps
 * the rest out of the bundle). Animation is off: a live run updates ten times a second and animating
 * each update costs frames and hides the newest point. Data arrive already decimated (see
 * panel/decimate.ts), in Chart.js's internal {x, y} format, so parsing is off too.
 * Chart.js 4 needs no eval and injects no <style>, so it runs under the panel's strict CSP.
 */
import {
  Chart,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  Tooltip,
  type ChartDataset,
} from 'chart.js';
import { eventMarkersPlugin, setChartMarkers, type ChartMarker } from './chart-event-markers';
import type { ThemeColours } from './theme';

let registered = false;

export function registerChartParts(): void {
  if (registered) return;
  registered = true;
  Chart.register(LineController, LineElement, PointElement, LinearScale, Legend, Tooltip, eventMarkersPlugin);
}

export type ColourName = 'blue' | 'red' | 'yellow' | 'orange' | 'green' | 'purple' | 'foreground' | 'muted';

export interface SeriesSpec {
  key: string;
  label: string;
  colour: ColourName;
  /** A CSS colour that overrides `colour` (the compare page's per-run colours). */
  css?: string;
  axis: 'y' | 'y1';
  /** Draw points (sparse series such as evaluations). */
  points?: boolean;
  dashed?: boolean;
  /** Line width in pixels (default 1.5). */
  width?: number;
}

export interface AxisSpec {
  title: string;
  min?: number;
  max?: number;
  /**
   * Room above and below the data, as a share of its range ('10%'): the lines stay inside the
   * plot area instead of on its border when the data's ends fall on round tick values (a
   * learning rate of 0.001 halved to 0.0005 drew both levels on the frame). A constant series is
   * centred by Chart.js itself (±5 % of the value).
   */
  grace?: string;
}

export interface LineChartSpec {
  series: readonly SeriesSpec[];
  y: AxisSpec;
  /** Optional right-hand axis. */
  y1?: AxisSpec;
  xTitle: string;
  /** Chart.js's own legend (default shown); the compare page draws one HTML legend for all charts. */
  legend?: boolean;
}

export interface XY {
  x: number;
  y: number;
}

type LineChart = Chart<'line', XY[]>;

function axisOptions(spec: AxisSpec, theme: ThemeColours, position: 'left' | 'right'): Record<string, unknown> {
  return {
    type: 'linear',
    position,
    min: spec.min,
    max: spec.max,
    ...(spec.grace ? { grace: spec.grace } : {}),
    title: { display: true, text: spec.title, color: theme.muted },
    ticks: { color: theme.muted, maxTicksLimit: 6 },
    grid: { color: theme.grid, drawOnChartArea: position === 'left' },
    border: { color: theme.grid },
  };
}

const colourOf = (s: SeriesSpec, theme: ThemeColours): string => s.css ?? theme[s.colour];

function dataset(s: SeriesSpec, theme: ThemeColours): ChartDataset<'line', XY[]> {
  const colour = colourOf(s, theme);
  return {
    label: s.label,
    data: [],
    yAxisID: s.axis,
    borderColor: colour,
    backgroundColor: colour,
    borderWidth: s.width ?? 1.5,
    fill: false,
    borderDash: s.dashed ? [5, 3] : [],
    pointRadius: s.points ? 2.5 : 0,
    pointHoverRadius: 4,
    spanGaps: false,
    // Sparse series (evaluations) on top of the dense training curve: higher order draws first.
    order: s.points ? 0 : 1,
    // NaN marks a gap (a bucket of non-finite values); do not join across it.
    parsing: false,
    normalized: true,
  } as ChartDataset<'line', XY[]>;
}

export function createLineChart(canvas: HTMLCanvasElement, spec: LineChartSpec, theme: ThemeColours): LineChart {
  const chart: LineChart = new Chart(canvas, {
    type: 'line',
    data: { datasets: spec.series.map((s) => dataset(s, theme)) },
    options: themedOptions(spec, theme),
  });
  return chart;
}

function themedOptions(spec: LineChartSpec, theme: ThemeColours): LineChart['options'] {
  return {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    parsing: false,
    normalized: true,
    interaction: { mode: 'nearest', axis: 'x', intersect: false },
    font: { family: theme.fontFamily, size: theme.fontSize - 1 },
    color: theme.foreground,
    scales: {
      x: {
        type: 'linear',
        title: { display: true, text: spec.xTitle, color: theme.muted },
        ticks: { color: theme.muted, maxTicksLimit: 8 },
        grid: { color: theme.grid },
        border: { color: theme.grid },
      },
      y: axisOptions(spec.y, theme, 'left'),
      ...(spec.y1 ? { y1: axisOptions(spec.y1, theme, 'right') } : {}),
    },
    plugins: {
      legend: { display: spec.legend ?? true, labels: { color: theme.foreground, boxWidth: 12, boxHeight: 2 } },
      tooltip: { enabled: true },
    },
  } as LineChart['options'];
}

/** The theme colours a chart draws with now (debug hooks: the theme tests check they follow a theme switch). */
export function chartThemeOf(chart: LineChart): { ticks: string; grid: string; axisTitle: string; legend: string } {
  const x = chart.options.scales?.x as { ticks?: { color?: unknown }; grid?: { color?: unknown }; title?: { color?: unknown } } | undefined;
  return {
    ticks: String(x?.ticks?.color ?? ''),
    grid: String(x?.grid?.color ?? ''),
    axisTitle: String(x?.title?.color ?? ''),
    legend: String((chart.options.plugins?.legend?.labels as { color?: unknown } | undefined)?.color ?? ''),
  };
}

/** Re-colour a chart after a theme change. */
export function applyChartTheme(chart: LineChart, spec: LineChartSpec, theme: ThemeColours): void {
  chart.options = themedOptions(spec, theme);
  spec.series.forEach((s, i) => {
    const ds = chart.data.datasets[i];
    ds.borderColor = colourOf(s, theme);
    ds.backgroundColor = colourOf(s, theme);
  });
  chart.update('none');
}

/** Replace the data of every series (keys in spec order) and the markers, then redraw once. */
export function updateLineChart(
  chart: LineChart,
  spec: LineChartSpec,
  data: Record<string, XY[]>,
  markers: readonly ChartMarker[],
  theme: ThemeColours,
): void {
  spec.series.forEach((s, i) => (chart.data.datasets[i].data = data[s.key] ?? []));
  setChartMarkers(chart as unknown as Chart, markers, {
    change: theme.orange,
    pause: theme.muted,
    warning: theme.yellow,
    guard: theme.red,
    font: `${theme.fontSize - 2}px ${theme.fontFamily}`,
    background: theme.background,
  });
  chart.update('none');
}

export type { LineChart, ChartMarker };
