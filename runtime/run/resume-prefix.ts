/**
 * Which metric records a resume from the checkpoint at `step` keeps: everything up to the
 * checkpoint's own event, less the stop/finish events of the session that wrote it. The trainer cuts
 * metrics.jsonl with it (the resumed run regenerates the rest), and the run panel of a live resumed
 * run reads the run's history before the resume with it — before or after the cut, the same records.
 * Stateful: apply it to the records in file order, once.
 */
import type { MetricRecord } from '../protocol';

const SESSION_END_EVENTS = /^(stopped|finished|stop-requested|failed)$/;

export function resumeKeeps(step: number): (r: MetricRecord) => boolean {
  let pastOwn = false;
  return (r) => {
    if (pastOwn) return false;
    if (r.kind === 'event' && r.event === 'checkpoint' && r.t === step) pastOwn = true;
    return r.t <= step && !(r.kind === 'event' && r.t === step && SESSION_END_EVENTS.test(r.event));
  };
}
