/**
 * The three overlay charts (train loss, eval loss, eval accuracy), one series per run, against a
 * chosen x axis: the run panel's four accounting axes (webview/panel/x-axis.ts): step, training
 * forward passes (evaluation excluded, so HiZOO's 3 passes per step show), training examples seen,
 * or wall time. Smoothing (debiased EMA) and a log y axis are view choices, applied here.
 * Built on the shared Chart.js set-up in webview/charts.ts; the log scale is registered here.
 */
import { Chart, LogarithmicScale } from 'chart.js';
import type { ComparePoint, CompareRunView, CompareViewModel } from '../../runtime/protocol';
import { createLineChart, registerChartParts, updateLineChart, type LineChart, type LineChartSpec, type XY } from '../charts';
import type { ThemeColours } from '../theme';
import { PANEL_X_AXES, axisValue, isXAxis, xAxisTitle, type XAxis } from '../panel/x-axis';
// The same debiased EMA the vscode-free compare summary uses (browser-safe module).
import { ema as smoothValues } from '../../runtime/runs/smoothing';

export type { XAxis };
/** The same axes, labels and titles as the run panel. */
export const X_AXES = PANEL_X_AXES;

/** Names an older compare page saved in its state, mapped to today's axis keys. */
const LEGACY_X_AXES: Readonly<Record<string, XAxis>> = { passes: 'forwardPasses', time: 'wallSeconds' };

/** The x axis a saved page state asks for: a current key, a legacy one, else step. */
export function savedXAxis(v: unknown): XAxis {
  if (isXAxis(v)) return v;
  return (typeof v === 'string' && LEGACY_X_AXES[v]) || 'step';
}

/** The axis title drawn under the charts and written into the exported SVG. */
export function xTitleOf(axis: XAxis): string {
  return xAxisTitle(axis);
}

export interface ViewOptions {
  xAxis: XAxis;
  /** EMA weight in [0, 0.99]. */
  smoothing: number;
  logY: boolean;
}

export type ChartName = 'train-loss' | 'eval-loss' | 'eval-metric';
export const CHARTS: readonly { name: ChartName; title: string; y: string; curve: (r: CompareRunView) => ComparePoint[]; points: boolean }[] = [
  { name: 'train-loss', title: 'Train loss', y: 'loss', curve: (r) => r.trainLoss, points: false },
  { name: 'eval-loss', title: 'Eval loss', y: 'loss', curve: (r) => r.evalLoss, points: true },
  { name: 'eval-metric', title: 'Eval accuracy', y: 'accuracy', curve: (r) => r.evalMetric, points: true },
];


let registered = false;
function register(): void {
  if (registered) return;
  registered = true;
  registerChartParts();
  Chart.register(LogarithmicScale);
}

export function xOf(p: ComparePoint, axis: XAxis): number {
  return axisValue({ step: p.t, forwardPasses: p.passes, examples: p.examples, wallSeconds: p.wallMs / 1000 }, axis);
}

export function seriesData(points: readonly ComparePoint[], view: ViewOptions): XY[] {
  const ys = smoothValues(points.map((p) => p.v), view.smoothing);
  return points.map((p, i) => ({ x: xOf(p, view.xAxis), y: ys[i] }));
}

export interface RenderedChart {
  name: ChartName;
  title: string;
  chart: LineChart;
  spec: LineChartSpec;
  canvas: HTMLCanvasElement;
  /** Every point given to each series, by series key (the chart may draw fewer: decimation). */
  data: Readonly<Record<string, XY[]>>;
}

export class OverlayCharts {
  private charts: RenderedChart[] = [];

  constructor(private readonly container: HTMLElement, private readonly onExport: (chart: RenderedChart, format: 'png' | 'svg') => void) {
    register();
  }

  get rendered(): readonly RenderedChart[] {
    return this.charts;
  }

  /** `colours`: CSS colour per run id (run-colours.ts), the same the tables and the legend use. */
  render(model: CompareViewModel, view: ViewOptions, theme: ThemeColours, colours: ReadonlyMap<string, string>): void {
    for (const c of this.charts) c.chart.destroy();
    this.charts = [];
    this.container.replaceChildren();
    const xTitle = xTitleOf(view.xAxis);
    for (const def of CHARTS) {
      const runs = model.runs.filter((r) => def.curve(r).length > 0);
      if (runs.length === 0) continue;
      const withTarget = def.name === 'eval-loss' && model.targetLoss !== null;
      const spec: LineChartSpec = {
        xTitle,
        // One HTML legend above the charts serves all three: 20 runs in each chart's own legend
        // would leave no room for the plot.
        legend: false,
        y: { title: def.y },
        series: [
          ...runs.map((r) => ({ key: r.id, label: r.name, colour: 'foreground' as const, css: colours.get(r.id), axis: 'y' as const, points: def.points })),
          ...(withTarget ? [{ key: '__target', label: 'target', colour: 'muted' as const, axis: 'y' as const, dashed: true }] : []),
        ],
      };
      const figure = document.createElement('figure');
      figure.className = 'chart';
      figure.dataset.chart = def.name;
      const caption = document.createElement('figcaption');
      const title = document.createElement('span');
      title.textContent = def.title;
      caption.append(title);
      const box = document.createElement('div');
      box.className = 'canvas-box';
      const canvas = document.createElement('canvas');
      canvas.setAttribute('aria-label', `${def.title} against ${xTitle}`);
      box.append(canvas);
      figure.append(caption, box);
      this.container.append(figure);
      const chart = createLineChart(canvas, spec, theme);
      const data: Record<string, XY[]> = {};
      let xMin = Infinity;
      let xMax = -Infinity;
      for (const r of runs) {
        data[r.id] = seriesData(def.curve(r), view);
        for (const p of data[r.id]) {
          xMin = Math.min(xMin, p.x);
          xMax = Math.max(xMax, p.x);
        }
      }
      if (withTarget) data.__target = [{ x: xMin, y: model.targetLoss! }, { x: xMax, y: model.targetLoss! }];
      const y = chart.options.scales!.y as { type: string };
      y.type = view.logY ? 'logarithmic' : 'linear';
      updateLineChart(chart, spec, data, [], theme);
      const rendered: RenderedChart = { name: def.name, title: def.title, chart, spec, canvas, data };
      for (const format of ['png', 'svg'] as const) {
        const b = document.createElement('button');
        b.className = 'link-button';
        b.dataset.export = `${def.name}-${format}`;
        b.textContent = format.toUpperCase();
        b.title = `export this chart as ${format.toUpperCase()}`;
        b.addEventListener('click', () => this.onExport(rendered, format));
        caption.append(b);
      }
      this.charts.push(rendered);
    }
  }
}
