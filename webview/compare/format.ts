/**
 * How the compare tables print numbers. Tests import these to compute the text they expect from the
 * vscode-free numbers, so the page and the test cannot drift apart.
 */
export const MISSING = '—';

export function formatLoss(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return MISSING;
  return Math.abs(v) >= 1000 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : v.toFixed(4);
}

export function formatPercent(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? MISSING : `${(100 * v).toFixed(1)}%`;
}

export function formatCount(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? MISSING : Math.round(v).toLocaleString('en-US');
}

export function formatSpeedup(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? MISSING : `${v.toFixed(2)}×`;
}

export function formatSeconds(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? MISSING : v < 100 ? `${v.toFixed(1)} s` : `${Math.round(v)} s`;
}

/** "1.2345 @ 400" — a value and the step it was seen at. */
export function formatAt(v: { t: number; value: number } | null, format: (x: number) => string): string {
  return v ? `${format(v.value)} @ ${v.t}` : MISSING;
}
