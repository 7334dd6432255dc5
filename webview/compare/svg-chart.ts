/**
 * SVG export of a rendered chart: the same series, axis ranges and ticks Chart.js computed, drawn
 * as vector paths (a PNG of the canvas is blurry in a paper). Values are mapped linearly or, for a
 * log axis, in log10 space, exactly as the canvas does.
 */
import type { LineChart } from '../charts';
import type { ThemeColours } from '../theme';

interface Scale {
  min: number;
  max: number;
  type: string;
  ticks: { value: number }[];
}

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

function tickText(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e5 || a < 1e-3 ? v.toExponential(1) : Number(v.toPrecision(4)).toString();
}

export function chartToSvg(chart: LineChart, title: string, xTitle: string, yTitle: string, theme: ThemeColours, width = 800, height = 450): string {
  const sx = chart.scales.x as unknown as Scale;
  const sy = chart.scales.y as unknown as Scale;
  const m = { left: 70, right: 20, top: 36, bottom: 50 };
  const w = width - m.left - m.right;
  const h = height - m.top - m.bottom;
  const map = (s: Scale, v: number, size: number) => {
    if (s.type === 'logarithmic') {
      if (!(v > 0)) return NaN;
      return ((Math.log10(v) - Math.log10(s.min)) / (Math.log10(s.max) - Math.log10(s.min))) * size;
    }
    return ((v - s.min) / (s.max - s.min || 1)) * size;
  };
  const X = (v: number) => m.left + map(sx, v, w);
  const Y = (v: number) => m.top + h - map(sy, v, h);
  const font = `font-family="${esc(theme.fontFamily)}" font-size="12" fill="${esc(theme.foreground)}"`;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="100%" height="100%" fill="${esc(theme.background)}"/>`,
    `<text x="${m.left}" y="20" ${font} font-weight="bold">${esc(title)}</text>`,
  ];
  for (const t of sx.ticks) {
    const x = X(t.value);
    if (!Number.isFinite(x)) continue;
    out.push(`<line x1="${x.toFixed(1)}" y1="${m.top}" x2="${x.toFixed(1)}" y2="${m.top + h}" stroke="${esc(theme.grid)}"/>`);
    out.push(`<text x="${x.toFixed(1)}" y="${m.top + h + 16}" text-anchor="middle" ${font}>${tickText(t.value)}</text>`);
  }
  for (const t of sy.ticks) {
    const y = Y(t.value);
    if (!Number.isFinite(y)) continue;
    out.push(`<line x1="${m.left}" y1="${y.toFixed(1)}" x2="${m.left + w}" y2="${y.toFixed(1)}" stroke="${esc(theme.grid)}"/>`);
    out.push(`<text x="${m.left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end" ${font}>${tickText(t.value)}</text>`);
  }
  out.push(`<text x="${m.left + w / 2}" y="${height - 10}" text-anchor="middle" ${font}>${esc(xTitle)}</text>`);
  out.push(`<text transform="translate(16 ${m.top + h / 2}) rotate(-90)" text-anchor="middle" ${font}>${esc(yTitle)}</text>`);
  out.push(`<clipPath id="plot"><rect x="${m.left}" y="${m.top}" width="${w}" height="${h}"/></clipPath>`);
  let legendX = m.left + 200;
  chart.data.datasets.forEach((ds, i) => {
    if (!chart.isDatasetVisible(i)) return;
    const colour = String(ds.borderColor ?? theme.foreground);
    const dash = Array.isArray(ds.borderDash) && ds.borderDash.length ? ` stroke-dasharray="${ds.borderDash.join(' ')}"` : '';
    const pts = (ds.data as { x: number; y: number }[]).map((p) => [X(p.x), Y(p.y)]).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (pts.length) {
      const d = pts.map(([x, y], k) => `${k ? 'L' : 'M'}${x.toFixed(1)} ${y.toFixed(1)}`).join('');
      out.push(`<path d="${d}" fill="none" stroke="${esc(colour)}" stroke-width="1.5"${dash} clip-path="url(#plot)"/>`);
    }
    out.push(`<line x1="${legendX}" y1="16" x2="${legendX + 14}" y2="16" stroke="${esc(colour)}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${legendX + 18}" y="20" ${font}>${esc(String(ds.label ?? ''))}</text>`);
    legendX += 30 + 7 * String(ds.label ?? '').length;
  });
  out.push('</svg>');
  return out.join('\n');
}

/** base64 of a UTF-8 string (btoa takes Latin-1 only). */
export function utf8ToBase64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}
