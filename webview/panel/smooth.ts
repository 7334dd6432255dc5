/**
 * A centred moving mean for noisy chart series (examples/s): per-step throughput jitters by tens of
 * percent, and drawn raw (or as the min/max envelope decimation keeps) it is a band that hides the
 * step-time split. The mean keeps every x, so the series still re-maps to any x axis; non-finite
 * values are skipped, and the window shrinks at both ends.
 */
import type { Point } from './decimate';

/** Steps averaged for the examples/s number in the step-time chart's caption. */
export const THROUGHPUT_READOUT_STEPS = 50;

/** Window for n points: about n / 40, at least 5, at most 51, odd so it is centred. */
export function smoothingWindow(n: number): number {
  const w = Math.max(5, Math.min(51, Math.round(n / 40)));
  return w % 2 === 0 ? w + 1 : w;
}

export function movingMean(points: readonly Point[], window = smoothingWindow(points.length)): Point[] {
  const half = Math.floor(window / 2);
  // Prefix sums over finite values make each point O(1).
  const sum = new Float64Array(points.length + 1);
  const count = new Uint32Array(points.length + 1);
  points.forEach((p, i) => {
    const ok = Number.isFinite(p.y);
    sum[i + 1] = sum[i] + (ok ? p.y : 0);
    count[i + 1] = count[i] + (ok ? 1 : 0);
  });
  return points.map((p, i) => {
    const lo = Math.max(0, i - half);
    const hi = Math.min(points.length, i + half + 1);
    const n = count[hi] - count[lo];
    return { ...p, y: n > 0 ? (sum[hi] - sum[lo]) / n : Number.NaN };
  });
}

/** Mean of the last `n` finite values (the examples/s readout), null when there are none. */
export function recentMean(points: readonly Point[], n: number): number | null {
  let s = 0;
  let k = 0;
  for (let i = points.length - 1; i >= 0 && k < n; i--) {
    if (!Number.isFinite(points[i].y)) continue;
    s += points[i].y;
    k++;
  }
  return k > 0 ? s / k : null;
}
