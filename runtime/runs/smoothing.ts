/**
 * Exponential moving average with TensorBoard's debiasing: the first values are not pulled toward
 * 0 (or toward the first value), so a smoothed curve starts where the data starts. Browser-safe.
 */

/** weight in [0, 1): 0 = no smoothing, 0.99 = heavy. Non-finite inputs are passed through untouched. */
export function ema(values: readonly number[], weight: number): number[] {
  const w = Math.min(Math.max(weight, 0), 0.999999);
  if (w === 0) return values.slice();
  const out: number[] = new Array(values.length);
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

/** Mean of the last `count` values (all of them when fewer); null for an empty list. */
export function tailMean(values: readonly number[], count: number): number | null {
  if (values.length === 0) return null;
  const tail = values.slice(-Math.max(1, Math.floor(count)));
  return tail.reduce((s, v) => s + v, 0) / tail.length;
}
