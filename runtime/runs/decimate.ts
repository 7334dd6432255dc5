/**
 * Curves for the compare view: one point per step record is 20 000 points per run; the host sends
 * at most `maxPoints` per curve (bucket means, so a noisy curve keeps its level, and the last point
 * stays the last step so final values line up with the summary table).
 */
import type { ComparePoint, MetricRecord } from '../protocol';
import { forEachTrainingPasses } from '../run/compare';

export interface RunCurves {
  trainLoss: ComparePoint[];
  evalLoss: ComparePoint[];
  evalMetric: ComparePoint[];
}

export function extractCurves(records: MetricRecord[]): RunCurves {
  const out: RunCurves = { trainLoss: [], evalLoss: [], evalMetric: [] };
  // Examples seen by the rule of accountedPoints / AxisAccountant: a step's own count; an eval's
  // trainExamples, else the count of the step before it (older runs).
  let examples = 0;
  forEachTrainingPasses(records, (r, passes) => {
    if (r.kind === 'step') {
      examples = r.examples;
      if (Number.isFinite(r.loss)) out.trainLoss.push({ t: r.t, passes, examples, wallMs: r.wallMs, v: r.loss });
    } else if (r.kind === 'eval') {
      const at = { t: r.t, passes, examples: r.trainExamples ?? examples, wallMs: r.wallMs };
      out.evalLoss.push({ ...at, v: r.loss });
      if (r.accuracy !== undefined) out.evalMetric.push({ ...at, v: r.accuracy });
    }
  });
  return out;
}

/** Bucket means of every field; the curve is returned as is when it already fits. */
export function decimate(points: ComparePoint[], maxPoints: number): ComparePoint[] {
  if (points.length <= maxPoints || maxPoints < 2) return points;
  // Keep the last point exact; bucket the rest.
  const body = points.slice(0, -1);
  const buckets = maxPoints - 1;
  const out: ComparePoint[] = [];
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * body.length) / buckets);
    const to = Math.floor(((b + 1) * body.length) / buckets);
    if (to <= from) continue;
    let t = 0;
    let passes = 0;
    let examples = 0;
    let wallMs = 0;
    let v = 0;
    for (let i = from; i < to; i++) {
      t += body[i].t;
      passes += body[i].passes;
      examples += body[i].examples;
      wallMs += body[i].wallMs;
      v += body[i].v;
    }
    const n = to - from;
    out.push({ t: t / n, passes: passes / n, examples: examples / n, wallMs: wallMs / n, v: v / n });
  }
  out.push(points[points.length - 1]);
  return out;
}
