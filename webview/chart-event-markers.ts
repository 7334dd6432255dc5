/**
 * A Chart.js plugin that draws vertical event markers (hyperparameter changes, pauses, provider
 * changes, warnings, divergence guards) across the plot area at their step, labelled, so a change in the loss curve can
 * be read against what the user did. Markers are attached per chart with setChartMarkers.
 */
import type { Chart, Plugin } from 'chart.js';

export interface ChartMarker {
  x: number;
  label: string;
  /**
   * 'change': solid line (hyperparameters); 'pause': dashed; 'warning': dotted, warning colour;
   * 'guard': dash-dot, error colour (a divergence guard skipped a step or stopped the run).
   */
  style: 'change' | 'pause' | 'warning' | 'guard';
}

export interface MarkerColours {
  change: string;
  pause: string;
  warning: string;
  guard: string;
  font: string;
}

const markersByChart = new WeakMap<Chart, { markers: readonly ChartMarker[]; colours: MarkerColours }>();

export function setChartMarkers(chart: Chart, markers: readonly ChartMarker[], colours: MarkerColours): void {
  markersByChart.set(chart, { markers, colours });
}

export function getChartMarkers(chart: Chart): readonly ChartMarker[] {
  return markersByChart.get(chart)?.markers ?? [];
}

const DASH: Record<ChartMarker['style'], number[]> = { change: [], pause: [4, 3], warning: [1, 3], guard: [6, 2, 1, 2] };

export const eventMarkersPlugin: Plugin<'line'> = {
  id: 'heleneEventMarkers',
  afterDatasetsDraw(chart) {
    const entry = markersByChart.get(chart as unknown as Chart);
    const xScale = chart.scales.x;
    if (!entry || !xScale || entry.markers.length === 0) return;
    const { ctx, chartArea } = chart;
    ctx.save();
    ctx.font = entry.colours.font;
    ctx.textBaseline = 'top';
    entry.markers.forEach((m, i) => {
      if (m.x < xScale.min || m.x > xScale.max) return;
      const x = Math.round(xScale.getPixelForValue(m.x)) + 0.5;
      const colour = entry.colours[m.style];
      ctx.strokeStyle = colour;
      ctx.fillStyle = colour;
      ctx.lineWidth = 1;
      ctx.setLineDash(DASH[m.style]);
      ctx.beginPath();
      ctx.moveTo(x, chartArea.top);
      ctx.lineTo(x, chartArea.bottom);
      ctx.stroke();
      // Stagger labels over three rows so neighbouring markers stay readable; flip to the left
      // of the line near the right edge; a label that fits on neither side wraps onto a second
      // line (a guard's outcome stays readable) and is shortened (…) past that.
      const right = chartArea.right - (x + 3);
      const leftRoom = x - 3 - chartArea.left;
      const width = ctx.measureText(m.label).width;
      const side = width <= right || right >= leftRoom ? 'right' : 'left';
      const lines = width <= (side === 'right' ? right : leftRoom) ? [m.label] : wrapText(ctx, m.label, Math.max(right, leftRoom), 3);
      lines.forEach((line, k) => {
        const w = ctx.measureText(line).width;
        ctx.fillText(line, side === 'right' ? x + 3 : x - 3 - w, chartArea.top + 2 + ((i % 3) + k) * 12);
      });
    });
    ctx.restore();
  },
};

/**
 * `label` in at most `maxLines` lines of `room` pixels, broken at spaces, an " — " part (a guard's
 * outcome) starting a line of its own; the last line shortened with … when the rest does not fit.
 */
function wrapText(ctx: CanvasRenderingContext2D, label: string, room: number, maxLines: number): string[] {
  const fits = (t: string) => ctx.measureText(t).width <= room;
  const lines: string[] = [];
  label.split(' — ').forEach((part, j) => {
    const words = (j ? `— ${part}` : part).split(' ');
    let line = '';
    for (const w of words) {
      const next = line ? `${line} ${w}` : w;
      if (line && !fits(next)) {
        lines.push(line);
        line = w;
      } else line = next;
    }
    if (line) lines.push(line);
  });
  const out = lines.slice(0, maxLines);
  const last = lines.length > maxLines ? `${out[maxLines - 1]} ${lines.slice(maxLines).join(' ')}` : out[out.length - 1];
  out[out.length - 1] = fits(last) ? last : fitText(ctx, last, room);
  return out;
}

/** The longest prefix of `label` that fits in `room` pixels with an ellipsis ('' when nothing does). */
function fitText(ctx: CanvasRenderingContext2D, label: string, room: number): string {
  let lo = 0;
  let hi = label.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (ctx.measureText(`${label.slice(0, mid)}…`).width <= room) lo = mid;
    else hi = mid - 1;
  }
  return lo > 0 ? `${label.slice(0, lo).trimEnd()}…` : '';
}
