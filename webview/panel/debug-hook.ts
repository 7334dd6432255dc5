/**
 * A read-only window.__heleneDebug for the headless-browser tests and for diagnosing a panel from
 * the webview developer tools: what the charts hold, the heatmap's size, how often the panel drew.
 * It returns copies; nothing reachable from it can change the panel.
 */
import type { MarkerGroup } from '../marker-layout';
import type { ChartDebugSeries, ChartGeometry } from './chart-panels';

export interface PanelDebugSource {
  renders(): number;
  messages(): number;
  chartData(): Record<string, ChartDebugSeries[]> | null;
  chartMarkers(): Record<string, string[]> | null;
  /** The markers drawn on every chart: x on the current axis, label, line style (guard, warning, …). */
  chartMarkerStyles(): { x: number; label: string; style: string }[] | null;
  /** The charts' x axis: the choice, and per chart the axis title and every dataset's x values. */
  chartXs(): { axis: string; charts: Record<string, { title: string; datasets: { label: string; xs: number[] }[] }> } | null;
  heatmap(): { rows: number; cols: number; stat: string } | null;
  /** Per chart, the event-marker groups and label boxes the marker plugin computed on its last draw. */
  chartMarkerLayout(): Record<string, MarkerGroup[]> | null;
  /** Per chart, the plot area, canvas size and each dataset's values and their pixel y. */
  chartGeometry(): Record<string, ChartGeometry> | null;
  /** Per chart, the theme colours it draws with now (ticks, grid, axis title, legend). */
  chartTheme(): Record<string, { ticks: string; grid: string; axisTitle: string; legend: string }> | null;
}

export interface HeleneDebugHook extends PanelDebugSource {
  readonly version: 1;
}

declare global {
  interface Window {
    __heleneDebug?: HeleneDebugHook;
  }
}

export function installDebugHook(source: PanelDebugSource): void {
  const hook: HeleneDebugHook = Object.freeze({
    version: 1 as const,
    renders: () => source.renders(),
    messages: () => source.messages(),
    chartData: () => source.chartData(),
    chartMarkers: () => source.chartMarkers(),
    chartMarkerStyles: () => source.chartMarkerStyles(),
    chartXs: () => source.chartXs(),
    heatmap: () => source.heatmap(),
    chartMarkerLayout: () => source.chartMarkerLayout(),
    chartGeometry: () => source.chartGeometry(),
    chartTheme: () => source.chartTheme(),
  });
  Object.defineProperty(window, '__heleneDebug', { value: hook, writable: false, configurable: false });
}
