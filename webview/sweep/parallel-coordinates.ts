/**
 * Parallel coordinates of a sweep, drawn by hand in SVG: one vertical axis per swept parameter (log
 * where it spans decades, levels for strings) and one for the chosen metric; one line per run,
 * coloured by the metric (viridis, brightest = best). Dragging along an axis brushes a range; a
 * click on an axis clears its brush. Lines outside any brush are dimmed; every brush change is
 * reported (onBrush) so the page can post the table filter.
 */
import { metricColumnKey, metricValue, type ExperimentRow, type SweepMetricChoice, type SweepParamAxis } from '../../runtime/protocol';
import { viridis } from '../panel/colour-map';
import { axisValueOf, type Brush, type Brushes } from './brushes';
import { categoricalScale, formatValue, numericScale, type Scale } from './scales';
import { shortKey, svgEl, svgText, svgTitle } from './svg';

export const PARCOORDS_HEIGHT = 340;
const MARGIN = { top: 44, right: 70, bottom: 26, left: 56 };
/** A drag shorter than this (px) is a click: it clears the axis's brush. */
const CLICK_PX = 3;

export interface ParcoordsInput {
  rows: readonly ExperimentRow[];
  params: readonly SweepParamAxis[];
  metric: SweepMetricChoice;
  brushes: Brushes;
  kept: ReadonlySet<string>;
}

interface Axis {
  key: string;
  title: string;
  tooltip: string;
  x: number;
  scale: Scale;
}

/** Colour of a metric value: viridis over [worst, best] of the drawn runs. */
export function metricColour(v: number, lo: number, hi: number, goal: 'min' | 'max'): string {
  const t = hi > lo ? (v - lo) / (hi - lo) : 0.5;
  const [r, g, b] = viridis(goal === 'min' ? 1 - t : t);
  return `rgb(${r}, ${g}, ${b})`;
}

export class ParallelCoordinates {
  private axes: Axis[] = [];
  private input: ParcoordsInput | null = null;
  readonly svg: SVGSVGElement;

  constructor(private readonly container: HTMLElement, private readonly onBrush: (key: string, brush: Brush | null) => void, private readonly onOpen: (id: string) => void) {
    this.svg = svgEl('svg', { role: 'img' });
    this.svg.id = 'parcoords';
    container.append(this.svg);
  }

  render(input: ParcoordsInput): void {
    this.input = input;
    const width = Math.max(360, this.container.clientWidth);
    const height = PARCOORDS_HEIGHT;
    const svg = this.svg;
    svg.replaceChildren();
    svg.setAttribute('width', String(width));
    svg.setAttribute('height', String(height));
    svg.setAttribute('aria-label', `parallel coordinates of ${input.params.map((p) => p.key).join(', ')} and ${input.metric.label}`);
    const drawn = input.rows.filter((r) => metricValue(r, input.metric) !== null);
    const bottom = height - MARGIN.bottom;
    const top = MARGIN.top;
    const n = input.params.length + 1;
    const xAt = (i: number) => MARGIN.left + (n === 1 ? 0 : (i * (width - MARGIN.left - MARGIN.right)) / (n - 1));
    this.axes = input.params.map((p, i) => ({
      key: p.key,
      title: shortKey(p.key),
      tooltip: `${p.key}${p.log ? ' (log scale)' : ''}`,
      x: xAt(i),
      scale: p.kind === 'numeric' ? numericScale(p.values as number[], bottom, top, p.log, p.values.length <= 8 ? (p.values as number[]) : undefined) : categoricalScale(p.values, bottom, top),
    }));
    const metricValues = drawn.map((r) => metricValue(r, input.metric)!);
    const metricKey = metricColumnKey(input.metric);
    this.axes.push({ key: metricKey, title: input.metric.label, tooltip: `${input.metric.label} (${input.metric.goal === 'min' ? 'lower' : 'higher'} is better)`, x: xAt(n - 1), scale: numericScale(metricValues, bottom, top, false) });
    const lo = Math.min(...metricValues);
    const hi = Math.max(...metricValues);

    // Lines: the dimmed ones first, so the kept ones are drawn over them.
    const lines = svgEl('g', {}, 'lines');
    const ordered = [...drawn].sort((a, b) => Number(input.kept.has(a.id)) - Number(input.kept.has(b.id)));
    for (const row of ordered) {
      const pts = this.axes.map((a) => [a.x, a.scale.map(axisValueOf(row, a.key, input.metric) ?? null)]);
      if (pts.some(([, y]) => !Number.isFinite(y))) continue;
      const kept = input.kept.has(row.id);
      const path = svgEl('path', { d: pts.map(([x, y], k) => `${k ? 'L' : 'M'}${x.toFixed(1)} ${y.toFixed(1)}`).join(' ') }, kept ? 'line' : 'line dimmed');
      const v = metricValue(row, input.metric)!;
      if (kept) path.setAttribute('stroke', metricColour(v, lo, hi, input.metric.goal));
      path.dataset.run = row.id;
      path.dataset.active = String(kept);
      svgTitle(path, `${row.name}: ${input.metric.label} ${formatValue(v)}`);
      path.addEventListener('click', () => this.onOpen(row.id));
      lines.append(path);
    }
    svg.append(lines);
    for (const a of this.axes) svg.append(this.drawAxis(a, top, bottom));
  }

  private drawAxis(a: Axis, top: number, bottom: number): SVGGElement {
    const g = svgEl('g', {}, 'axis');
    g.dataset.axis = a.key;
    g.dataset.scale = a.scale.kind;
    g.append(svgEl('line', { x1: a.x, x2: a.x, y1: top, y2: bottom }, 'axis-line'));
    for (const t of a.scale.ticks) {
      const y = a.scale.map(t.value);
      if (!Number.isFinite(y)) continue;
      const tick = svgEl('line', { x1: a.x - 4, x2: a.x, y1: y, y2: y }, 'tick');
      tick.dataset.label = t.label;
      g.append(tick, svgText(t.label, { x: a.x - 7, y: y + 4, 'text-anchor': 'end' }, 'tick-label'));
    }
    const title = svgText(a.title, { x: a.x, y: top - 16, 'text-anchor': 'middle' }, 'axis-title');
    svgTitle(title, a.tooltip);
    g.append(title);
    const brush = this.input?.brushes[a.key];
    if (brush) {
      const ys = 'levels' in brush ? brush.levels.map((l) => a.scale.map(l)).filter(Number.isFinite) : [a.scale.map(brush.lo), a.scale.map(brush.hi)];
      if (ys.length) g.append(svgEl('rect', { x: a.x - 8, width: 16, y: Math.min(...ys) - 3, height: Math.max(...ys) - Math.min(...ys) + 6 }, 'brush'));
    }
    // The hit area: wider than the axis, the whole height, transparent.
    const hit = svgEl('rect', { x: a.x - 14, width: 28, y: top - 6, height: bottom - top + 12 }, 'brush-hit');
    hit.dataset.axis = a.key;
    svgTitle(hit, `${a.tooltip}: drag to brush, click to clear`);
    this.attachBrushing(hit, g, a, top, bottom);
    g.append(hit);
    return g;
  }

  private attachBrushing(hit: SVGRectElement, g: SVGGElement, a: Axis, top: number, bottom: number): void {
    let start: number | null = null;
    let live: SVGRectElement | null = null;
    const yOf = (e: PointerEvent) => Math.min(bottom, Math.max(top, e.clientY - this.svg.getBoundingClientRect().top));
    hit.addEventListener('pointerdown', (e) => {
      e.preventDefault();
      hit.setPointerCapture(e.pointerId);
      start = yOf(e);
    });
    hit.addEventListener('pointermove', (e) => {
      if (start === null) return;
      const y = yOf(e);
      if (!live) {
        live = svgEl('rect', { x: a.x - 8, width: 16 }, 'brush live');
        g.insertBefore(live, hit);
      }
      live.setAttribute('y', String(Math.min(start, y)));
      live.setAttribute('height', String(Math.abs(y - start)));
    });
    const end = (e: PointerEvent) => {
      if (start === null) return;
      const y = yOf(e);
      const from = start;
      start = null;
      live?.remove();
      live = null;
      if (Math.abs(y - from) < CLICK_PX) {
        this.onBrush(a.key, null);
        return;
      }
      const range = a.scale.invert(from, y);
      this.onBrush(a.key, 'levels' in range ? (range.levels.length ? range : null) : range);
    };
    hit.addEventListener('pointerup', end);
    hit.addEventListener('pointercancel', () => {
      start = null;
      live?.remove();
      live = null;
    });
  }
}
