/**
 * Debiased EMA for the smoothing slider (the same rule as runtime/runs/smoothing.ts; kept here
 * because the webview bundle imports only protocol types from runtime/).
 */
export function smoothValues(values: readonly number[], weight: number): number[] {
  const w = Math.min(Math.max(weight, 0), 0.999999);
  if (w === 0) return values.slice();
  const out = new Array<number>(values.length);
  let acc = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    acc = acc * w + (1 - w) * v;
    n++;
    out[i] = acc / (1 - Math.pow(w, n));
  }
  return out;
}
