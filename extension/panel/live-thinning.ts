/**
 * Thins the step records of a live batch on their way to the run panel. A fast run (the demo: about
 * 4,300 steps/s) sent every step record to the webview, about 1.5 MB of JSON a second: the extension
 * host serialized it, the browser parsed it and the panel folded it, on the same thread that handles
 * clicks and the status bar. Measured in the e2e tier, that traffic put 100–190 ms into a pause's
 * click → extension host hop and stalled the status bar. The panel draws at most 2,000 points per
 * series anyway (webview/panel/decimate.ts), so each batch keeps, per bucket of consecutive steps,
 * the lowest- and the highest-loss step (spikes and non-finite losses survive), plus always the
 * newest step (the panel's step counter). Every other record (events, evals, layers) passes as is.
 * metrics.jsonl and a reopened panel's snapshot keep every step. Free of 'vscode'.
 */
import type { MetricRecord, StepRecord } from '../../runtime/protocol';

/** At most this many step records per batch (the host flushes a batch about every 100 ms). */
export const LIVE_STEPS_PER_BATCH = 40;

export function thinStepRecords(records: readonly MetricRecord[], maxSteps = LIVE_STEPS_PER_BATCH): MetricRecord[] {
  const steps: number[] = [];
  for (let i = 0; i < records.length; i++) if (records[i].kind === 'step') steps.push(i);
  if (steps.length <= maxSteps) return records.slice();
  const keep = new Set<number>([steps[steps.length - 1]]);
  const buckets = Math.max(1, Math.floor((maxSteps - 1) / 2));
  const size = Math.ceil(steps.length / buckets);
  const loss = (i: number) => (records[i] as StepRecord).loss;
  for (let b = 0; b * size < steps.length; b++) {
    let lo = steps[b * size];
    let hi = lo;
    for (let k = b * size; k < Math.min(steps.length, (b + 1) * size); k++) {
      const i = steps[k];
      const l = loss(i);
      // A non-finite loss (null in JSON) is the spike to show: it takes the high slot.
      if (!Number.isFinite(l)) hi = i;
      else {
        if (l < loss(lo) || !Number.isFinite(loss(lo))) lo = i;
        if (Number.isFinite(loss(hi)) && l > loss(hi)) hi = i;
      }
    }
    keep.add(lo).add(hi);
  }
  return records.filter((r, i) => r.kind !== 'step' || keep.has(i));
}
