/**
 * Reads the latency of a pause / resume / stop back from the run folder: the runtime records the
 * control's trace (click in the webview or the palette → extension host → runtime receipt → state
 * written) in the event the command produced (runtime/run/trainer.ts, latencyData). One clock:
 * every stamp is epoch milliseconds on this machine's system clock (Date.now() in Node; in the
 * browser Date.now() less the input event's age, since performance.timeOrigin + timeStamp drifts
 * from the system clock after a clock step).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface ControlLatency {
  event: string;
  /** The event's step (the step completed when the command was applied). */
  step: number;
  clickedAt?: number;
  webviewAt?: number;
  hostAt?: number;
  runtimeAt: number;
  stepAtReceipt: number;
  lastStepEndAt: number;
  /** The new state was written (status.json) and the event appended. */
  appliedAt: number;
}

/** The newest event of `kind` that carries a latency trace, or undefined. */
export function latestTracedEvent(runDir: string, kind: string): ControlLatency | undefined {
  // The run may be appending: the text after the last newline can be half a line, so it is skipped.
  const lines = fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').split('\n').slice(0, -1);
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i];
    if (!line.startsWith('{"kind":"event"') || !line.includes(`"event":"${kind}"`)) continue;
    const r = JSON.parse(line);
    const l = r.data?.latency;
    if (!l || typeof l.runtimeAt !== 'number') continue;
    return { event: r.event, step: r.t, ...l };
  }
  return undefined;
}

/** Every hop in ms, from the first stamp the trace has (the click, else the host's receipt). */
export function breakdown(l: ControlLatency, clickedAt = l.clickedAt): { total: number; steps: number; text: string } {
  const start = clickedAt ?? l.hostAt ?? l.runtimeAt;
  const hops: [string, number | undefined][] = [
    ['click', clickedAt],
    ['webview handler', l.webviewAt],
    ['extension host', l.hostAt],
    ['runtime receipt', l.runtimeAt],
    ['last step end', l.lastStepEndAt],
    [`${l.event} written`, l.appliedAt],
  ];
  let prev = start;
  const parts: string[] = [];
  for (const [name, at] of hops) {
    if (at === undefined) continue;
    parts.push(`${name} +${(at - prev).toFixed(0)}`);
    if (name !== 'last step end') prev = at; // the last step may end before the receipt: shown, not chained
  }
  const steps = l.step - l.stepAtReceipt;
  return { total: l.appliedAt - start, steps, text: `${(l.appliedAt - start).toFixed(0)} ms (${parts.join(', ')} ms); ${steps} step(s) after the runtime received it (step ${l.step})` };
}
