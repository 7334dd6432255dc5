/**
 * Number formatting shared by the status header, the layer table and chart labels. Deterministic
 * (no locale): tests compare exact strings, and a table of 200 layers reads best when every cell
 * has the same shape (three significant digits, exponent notation outside [1e-3, 1000)).
 */

export const MISSING = '—';

export function formatSignificant(v: number | null | undefined): string {
  if (v === null || v === undefined) return MISSING;
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1000 ? v.toPrecision(3) : v.toExponential(2);
}

/** Element counts: 1048576 → "1,048,576". */
export function formatCount(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return MISSING;
  return String(Math.round(v)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Fractions as percentages with one decimal: 0.6875 → "68.8%". */
export function formatPercent(v: number | null | undefined): string {
  if (v === null || v === undefined) return MISSING;
  if (!Number.isFinite(v)) return formatSignificant(v);
  return `${(v * 100).toFixed(1)}%`;
}
