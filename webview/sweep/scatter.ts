/**
 * Metric against one parameter, drawn by hand in SVG: one point per run, a log x axis where the
 * parameter spans decades (the user can switch it), levels for strings (with a small deterministic
 * jitter so seeds of one level do not hide each other). Points outside the parallel coordinates'
 * brushes are dimmed; a click opens the run.
 */
import { metricValue, type ExperimentRow, type SweepMetricChoice, type SweepParamAxis } from '../../runtime/protocol';
import { hashRunId } from '../run-colours';
import { categoricalScale, formatValue, numericScale } from './scales';
import { shortKey, svgEl, svgText, svgTitle } from './svg';

export const SCATTER_HEIGHT = 300;
const MARGIN = { top: 16, right: 24, bottom: 44, left: 64 };

export interface ScatterInput {
  rows: readonly ExperimentRow[];
  param: SweepParamAxis;
  metric: SweepMetricChoice;
  /** Draw x on a log axis (only for positive numeric values). */
  logX: boolean;
  kept: ReadonlySet<string>;
}

export class Scatter {
  readonly svg: SVGSVGElement;

  constructor(private readonly container: HTMLElement, private readonly onOpen: (id: string) => void) {
    this.svg = svgEl('svg', { role: 'img' });
    this.svg.id = 'scatter';
    container.append(this.svg);
  }

  render(input: ScatterInput): void {
    const width = Math.max(320, this.container.clientWidth);
    const height = SCATTER_HEIGHT;
    const svg = this.svg;
    svg.replaceChildren();
    svg.setAttribute('width', String(width));
    svg.setAttribute('height', String(height));
    svg.setAttribute('aria-label', `${input.metric.label} against ${input.param.key}`);
    const left = MARGIN.left;
    const right = width - MARGIN.right;
    const top = MARGIN.top;
    const bottom = height - MARGIN.bottom;
    const numeric = input.param.kind === 'numeric';
    const log = numeric && input.logX && (input.param.values as number[]).every((v) => v > 0);
    const x = numeric ? numericScale(input.param.values as number[], left + 8, right - 8, log) : categoricalScale(input.param.values, left + 24, right - 24);
    const drawn = input.rows.filter((r) => metricValue(r, input.metric) !== null);
    const y = numericScale(drawn.map((r) => metricValue(r, input.metric)!), bottom - 6, top + 6, false);
    const xAxis = svgEl('g', {}, 'axis');
    xAxis.id = 'scatter-x-axis';
    xAxis.dataset.scale = x.kind;
    xAxis.dataset.param = input.param.key;
    xAxis.append(svgEl('line', { x1: left, x2: right, y1: bottom, y2: bottom }, 'axis-line'));
    for (const t of x.ticks) {
      const px = x.map(t.value);
      if (!Number.isFinite(px)) continue;
      xAxis.append(svgEl('line', { x1: px, x2: px, y1: top, y2: bottom }, 'grid'));
      const label = svgText(t.label, { x: px, y: bottom + 16, 'text-anchor': 'middle' }, 'tick-label');
      label.dataset.value = String(t.value);
      xAxis.append(label);
    }
    const xTitle = svgText(`${shortKey(input.param.key)}${x.kind === 'log' ? ' (log scale)' : ''}`, { x: (left + right) / 2, y: height - 6, 'text-anchor': 'middle' }, 'axis-title');
    svgTitle(xTitle, input.param.key);
    xAxis.append(xTitle);
    const yAxis = svgEl('g', {}, 'axis');
    yAxis.id = 'scatter-y-axis';
    yAxis.append(svgEl('line', { x1: left, x2: left, y1: top, y2: bottom }, 'axis-line'));
    for (const t of y.ticks) {
      const py = y.map(t.value);
      if (!Number.isFinite(py)) continue;
      yAxis.append(svgEl('line', { x1: left, x2: right, y1: py, y2: py }, 'grid'));
      yAxis.append(svgText(t.label, { x: left - 6, y: py + 4, 'text-anchor': 'end' }, 'tick-label'));
    }
    yAxis.append(svgText(input.metric.label, { x: 14, y: (top + bottom) / 2, 'text-anchor': 'middle', transform: `rotate(-90 14 ${(top + bottom) / 2})` }, 'axis-title'));
    svg.append(yAxis, xAxis);
    const points = svgEl('g', {}, 'points');
    // Dimmed first, so kept points are drawn over them.
    const ordered = [...drawn].sort((a, b) => Number(input.kept.has(a.id)) - Number(input.kept.has(b.id)));
    for (const row of ordered) {
      const value = row.params[input.param.key];
      let px = x.map(value ?? null);
      if (!Number.isFinite(px)) continue;
      if (!numeric) px += jitter(row.id) * 14;
      const v = metricValue(row, input.metric)!;
      const kept = input.kept.has(row.id);
      const c = svgEl('circle', { cx: px.toFixed(2), cy: y.map(v).toFixed(2), r: 4 }, kept ? 'point' : 'point dimmed');
      c.dataset.run = row.id;
      c.dataset.x = String(value);
      c.dataset.y = String(v);
      svgTitle(c, `${row.name}\n${input.param.key} = ${formatValue(value ?? null)}\n${input.metric.label} = ${formatValue(v)}`);
      c.addEventListener('click', () => this.onOpen(row.id));
      points.append(c);
    }
    svg.append(points);
  }
}

/** A run's jitter in [-0.5, 0.5] from its id: the same every render. */
function jitter(id: string): number {
  return (hashRunId(id) % 1000) / 999 - 0.5;
}
