/**
 * Draws the layers × statistics-steps heatmap on a canvas: one cell per (layer, column), viridis
 * colours scaled to the matrix's range, layer names on the left when rows are tall enough, and a
 * hover readout (layer, steps, value) below. The statistic is chosen with a dropdown.
 */
import { createDropdown } from '../ui-kit';
import type { ThemeColours } from '../theme';
import { viridis } from './colour-map';
import { HEATMAP_STATS, isHeatmapStatKey, type HeatmapMatrix, type HeatmapStatKey } from './heatmap-model';
import { formatSignificant } from './number-format';

export interface HeatmapView {
  update(matrix: HeatmapMatrix, theme: ThemeColours): void;
  /** Drawn rows and columns (for the debug hook). */
  readonly size: { rows: number; cols: number };
}

const AXIS_HEIGHT = 18;
const MAX_LABEL_WIDTH = 180;

function rowHeightFor(rows: number): number {
  return rows <= 24 ? 18 : Math.max(2, Math.floor(480 / rows));
}

/** Show a cell value in the statistic's own units (log stats are stored as log10). */
function displayValue(v: number, scale: 'linear' | 'log'): string {
  if (Number.isNaN(v)) return 'no value';
  return scale === 'log' ? formatSignificant(10 ** v) : formatSignificant(v);
}

export function createHeatmapView(parent: HTMLElement, initial: HeatmapStatKey, onStatChange: (key: HeatmapStatKey) => void): HeatmapView {
  const section = document.createElement('section');
  section.className = 'heatmap-section';
  section.setAttribute('aria-labelledby', 'heatmap-heading');
  const head = document.createElement('div');
  head.className = 'section-head';
  const heading = document.createElement('h2');
  heading.id = 'heatmap-heading';
  heading.textContent = 'Per-layer heatmap';
  const selector = createDropdown({
    id: 'heatmap-stat',
    ariaLabel: 'Statistic shown in the heatmap',
    options: HEATMAP_STATS.map((s) => ({ value: s.key, label: s.label })),
    selected: initial,
    onChange: (v) => isHeatmapStatKey(v) && onStatChange(v),
  });
  head.append(heading, selector);

  const canvas = document.createElement('canvas');
  canvas.id = 'heatmap-canvas';
  canvas.className = 'heatmap-canvas';
  canvas.setAttribute('role', 'img');
  const legend = document.createElement('div');
  legend.className = 'heatmap-legend';
  const legendMin = document.createElement('span');
  const legendBar = document.createElement('canvas');
  legendBar.className = 'heatmap-legend-bar';
  legendBar.width = 160;
  legendBar.height = 10;
  const legendMax = document.createElement('span');
  const readout = document.createElement('span');
  readout.id = 'heatmap-readout';
  readout.className = 'heatmap-readout';
  readout.setAttribute('aria-live', 'off');
  legend.append(legendMin, legendBar, legendMax, readout);
  section.append(head, canvas, legend);
  parent.appendChild(section);

  const legendCtx = legendBar.getContext('2d')!;
  for (let x = 0; x < legendBar.width; x++) {
    const [r, g, b] = viridis(x / (legendBar.width - 1));
    legendCtx.fillStyle = `rgb(${r},${g},${b})`;
    legendCtx.fillRect(x, 0, 1, legendBar.height);
  }

  let last: HeatmapMatrix | null = null;
  let geometry = { labelWidth: 0, plotWidth: 1, rowHeight: 1 };
  const size = { rows: 0, cols: 0 };

  canvas.addEventListener('mousemove', (e) => {
    if (!last || last.columns.length === 0) return;
    const rect = canvas.getBoundingClientRect();
    const x = e.clientX - rect.left - geometry.labelWidth;
    const row = Math.floor((e.clientY - rect.top) / geometry.rowHeight);
    const col = Math.floor((x / geometry.plotWidth) * last.columns.length);
    if (x < 0 || row < 0 || row >= last.layers.length || col < 0 || col >= last.columns.length) {
      readout.textContent = '';
      return;
    }
    const c = last.columns[col];
    const steps = c.tFirst === c.tLast ? `step ${c.tFirst}` : `steps ${c.tFirst}–${c.tLast}`;
    readout.textContent = `${last.layers[row]} · ${steps} · ${displayValue(last.cells[row * last.columns.length + col], last.stat.scale)}`;
  });
  canvas.addEventListener('mouseleave', () => (readout.textContent = ''));

  function draw(m: HeatmapMatrix, theme: ThemeColours): void {
    const rows = m.layers.length;
    const cols = m.columns.length;
    size.rows = rows;
    size.cols = cols;
    canvas.dataset.rows = String(rows);
    canvas.dataset.cols = String(cols);
    canvas.dataset.stat = m.stat.key;
    canvas.setAttribute('aria-label', `${m.stat.label}: ${rows} layers × ${cols} statistics steps`);

    const dpr = window.devicePixelRatio || 1;
    const rowHeight = rowHeightFor(rows);
    const cssWidth = Math.max(200, canvas.clientWidth || parent.clientWidth || 600);
    const cssHeight = rows * rowHeight + AXIS_HEIGHT;
    // CSSOM writes are allowed under the strict CSP (only style attributes in markup are not).
    canvas.style.height = `${cssHeight}px`;
    canvas.width = Math.round(cssWidth * dpr);
    canvas.height = Math.round(cssHeight * dpr);
    const ctx = canvas.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, cssWidth, cssHeight);
    ctx.font = `${Math.min(12, Math.max(9, rowHeight - 5))}px ${theme.fontFamily}`;
    ctx.textBaseline = 'middle';

    const showLabels = rowHeight >= 9;
    const labelWidth = showLabels ? Math.min(MAX_LABEL_WIDTH, Math.max(...m.layers.map((n) => ctx.measureText(n).width), 0) + 8) : 0;
    const plotWidth = Math.max(1, cssWidth - labelWidth);
    geometry = { labelWidth, plotWidth, rowHeight };

    if (showLabels) {
      ctx.fillStyle = theme.muted;
      ctx.textAlign = 'right';
      m.layers.forEach((name, i) => ctx.fillText(name, labelWidth - 6, i * rowHeight + rowHeight / 2, MAX_LABEL_WIDTH - 8));
    }
    ctx.fillStyle = theme.grid;
    ctx.fillRect(labelWidth, 0, plotWidth, rows * rowHeight);

    if (rows > 0 && cols > 0 && m.range) {
      const image = new ImageData(cols, rows);
      const span = m.range.max - m.range.min || 1;
      for (let i = 0; i < rows * cols; i++) {
        const v = m.cells[i];
        if (Number.isNaN(v)) continue; // transparent: the grid colour shows through as "no value"
        const [r, g, b] = viridis((v - m.range.min) / span);
        image.data[i * 4] = r;
        image.data[i * 4 + 1] = g;
        image.data[i * 4 + 2] = b;
        image.data[i * 4 + 3] = 255;
      }
      const cells = document.createElement('canvas');
      cells.width = cols;
      cells.height = rows;
      cells.getContext('2d')!.putImageData(image, 0, 0);
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(cells, labelWidth, 0, plotWidth, rows * rowHeight);
    }

    // Step axis: first, middle and last column.
    ctx.fillStyle = theme.muted;
    ctx.textBaseline = 'top';
    ctx.font = `11px ${theme.fontFamily}`;
    if (cols > 0) {
      const y = rows * rowHeight + 3;
      ctx.textAlign = 'left';
      ctx.fillText(`step ${m.columns[0].tFirst}`, labelWidth, y);
      ctx.textAlign = 'right';
      ctx.fillText(`step ${m.columns[cols - 1].tLast}`, labelWidth + plotWidth, y);
      if (cols > 2) {
        ctx.textAlign = 'center';
        ctx.fillText(`${m.columns[Math.floor(cols / 2)].tFirst}`, labelWidth + plotWidth / 2, y);
      }
    }

    legendMin.textContent = m.range ? displayValue(m.range.min, m.stat.scale) : '';
    legendMax.textContent = m.range ? displayValue(m.range.max, m.stat.scale) : m.columns.length ? 'no values for this statistic' : 'no statistics yet';
    legendBar.hidden = !m.range;
  }

  return {
    update(matrix, theme) {
      last = matrix;
      draw(matrix, theme);
    },
    size,
  };
}
