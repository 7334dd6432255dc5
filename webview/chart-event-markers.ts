/**
 * A Chart.js plugin that draws vertical event markers (hyperparameter changes, pauses, provider
 * changes, warnings, divergence guards) across the plot area at their step, labelled, so a change in the loss curve can
 * be read against what the user did. Markers are attached per chart with setChartMarkers.
 * Labels are placed by marker-layout.ts (markers at nearly one x share one label; labels never
 * overprint); the layout of the last draw is kept for the tooltip and for the tests.
 */
import type { Chart, Plugin } from 'chart.js';
import { layoutMarkers, type MarkerGroup, type MarkerStyle } from './marker-layout';

export interface ChartMarker {
  x: number;
  label: string;
  /**
   * 'change': solid line (hyperparameters); 'pause': dashed; 'warning': dotted, warning colour;
   * 'guard': dash-dot, error colour (a divergence guard skipped a step or stopped the run).
   */
  style: MarkerStyle;
}

export interface MarkerColours {
  change: string;
  pause: string;
  warning: string;
  guard: string;
  font: string;
  /** Painted (translucent) under each label so it reads over the data lines. */
  background: string;
}

interface Entry {
  markers: readonly ChartMarker[];
  colours: MarkerColours;
  /** Groups and label boxes of the last draw (canvas CSS pixels). */
  layout: MarkerGroup[];
}

const markersByChart = new WeakMap<Chart, Entry>();

export function setChartMarkers(chart: Chart, markers: readonly ChartMarker[], colours: MarkerColours): void {
  markersByChart.set(chart, { markers, colours, layout: markersByChart.get(chart)?.layout ?? [] });
}

export function getChartMarkers(chart: Chart): readonly ChartMarker[] {
  return markersByChart.get(chart)?.markers ?? [];
}

/** The marker groups and label boxes as last drawn (copies). */
export function getMarkerLayout(chart: Chart): MarkerGroup[] {
  return (markersByChart.get(chart)?.layout ?? []).map((g) => ({ ...g, pxs: [...g.pxs], members: g.members.map((m) => ({ ...m })), box: g.box && { ...g.box, lines: [...g.box.lines] } }));
}

const DASH: Record<MarkerStyle, number[]> = { change: [], pause: [4, 3], warning: [1, 3], guard: [6, 2, 1, 2] };
const LINE_HEIGHT = 12;
/** How close (px) the pointer must be to a marker line for its tooltip. */
const HOVER_PX = 4;

export const eventMarkersPlugin: Plugin<'line'> = {
  id: 'heleneEventMarkers',
  afterDatasetsDraw(chart) {
    const entry = markersByChart.get(chart as unknown as Chart);
    const xScale = chart.scales.x;
    if (!entry || !xScale) return;
    const { ctx, chartArea } = chart;
    const visible = entry.markers
      .filter((m) => m.x >= xScale.min && m.x <= xScale.max)
      .map((m) => ({ ...m, px: Math.round(xScale.getPixelForValue(m.x)) + 0.5 }));
    ctx.save();
    ctx.font = entry.colours.font;
    ctx.textBaseline = 'top';
    entry.layout = layoutMarkers(visible, chartArea, (t) => ctx.measureText(t).width, { lineHeight: LINE_HEIGHT });
    for (const g of entry.layout) {
      for (const m of g.members) {
        ctx.strokeStyle = entry.colours[m.style];
        ctx.lineWidth = 1;
        ctx.setLineDash(DASH[m.style]);
        ctx.beginPath();
        ctx.moveTo(m.px, chartArea.top);
        ctx.lineTo(m.px, chartArea.bottom);
        ctx.stroke();
      }
      if (!g.box) continue;
      const b = g.box;
      ctx.globalAlpha = 0.85;
      ctx.fillStyle = entry.colours.background;
      ctx.fillRect(b.x - 1, b.y - 1, b.w + 2, b.h + 1);
      ctx.globalAlpha = 1;
      ctx.fillStyle = entry.colours[g.style];
      b.lines.forEach((line, k) => ctx.fillText(line, b.x, b.y + k * LINE_HEIGHT));
    }
    ctx.restore();
  },
  afterEvent(chart, args) {
    // The full list of a group's events as the canvas's native tooltip while the pointer is on its
    // lines or its label (a shortened or hidden label is still readable there).
    const entry = markersByChart.get(chart as unknown as Chart);
    const e = args.event;
    if (!entry || e.x === null || e.y === null) return;
    const hit = entry.layout.find(
      (g) =>
        (g.pxs.some((px) => Math.abs(px - e.x!) <= HOVER_PX) && e.y! >= chart.chartArea.top && e.y! <= chart.chartArea.bottom) ||
        (g.box && e.x! >= g.box.x && e.x! <= g.box.x + g.box.w && e.y! >= g.box.y && e.y! <= g.box.y + g.box.h),
    );
    const title = hit ? hit.tooltip : '';
    if (chart.canvas.title !== title) chart.canvas.title = title;
  },
};
