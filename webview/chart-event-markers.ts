/**
 * A Chart.js plugin that draws vertical event markers (hyperparameter changes, pauses, provider
 * changes, warnings) across the plot area at their step, labelled, so a change in the loss curve can
 * be read against what the user did. Markers are attached per chart with setChartMarkers.
 */
import type { Chart, Plugin } from 'chart.js';

export interface ChartMarker {
  x: number;
  label: string;
  /** 'change': solid line (hyperparameters); 'pause': dashed; 'warning': dotted, warning colour. */
  style: 'change' | 'pause' | 'warning';
}

export interface MarkerColours {
  change: string;
  pause: string;
  warning: string;
  font: string;
}

const markersByChart = new WeakMap<Chart, { markers: readonly ChartMarker[]; colours: MarkerColours }>();

export function setChartMarkers(chart: Chart, markers: readonly ChartMarker[], colours: MarkerColours): void {
  markersByChart.set(chart, { markers, colours });
}

export function getChartMarkers(chart: Chart): readonly ChartMarker[] {
  return markersByChart.get(chart)?.markers ?? [];
}

const DASH: Record<ChartMarker['style'], number[]> = { change: [], pause: [4, 3], warning: [1, 3] };

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
      // of the line near the right edge.
      const width = ctx.measureText(m.label).width;
      const left = x + 3 + width > chartArea.right ? x - 3 - width : x + 3;
      ctx.fillText(m.label, left, chartArea.top + 2 + (i % 3) * 12);
    });
    ctx.restore();
  },
};
