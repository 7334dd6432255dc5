/**
 * The CLI's progress lines name the step of the eval they show: the eval of step t is recorded after
 * step t's record, so the last line ("step 600/600 … eval X") showed the eval of step 550 as if it
 * were the run's final eval (found by a new-user pass: "eval 6.5207" there, "eval loss 6.4579" in
 * the summary line right below it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { progressListener } from '../../runtime/cli/progress';
import type { MetricRecord } from '../../runtime/protocol';

test('progress (not a TTY): the last step line names the step of the eval it shows', () => {
  const lines: string[] = [];
  const write = process.stdout.write;
  const tty = process.stdout.isTTY;
  Object.defineProperty(process.stdout, 'isTTY', { value: false, configurable: true });
  process.stdout.write = ((chunk: string) => (lines.push(String(chunk)), true)) as typeof process.stdout.write;
  try {
    const p = progressListener(600, 'run');
    const step = (t: number) => ({ kind: 'step', t, loss: 6.3615, wallMs: t * 10, forwardPasses: 2 * t, examples: 8 }) as unknown as MetricRecord;
    const evalAt = (t: number, loss: number) => ({ kind: 'eval', t, loss, forwardPasses: 2 * t, wallMs: t * 10, examples: 64 }) as unknown as MetricRecord;
    p.record!(evalAt(550, 6.5207));
    p.record!(step(600));
    p.record!(evalAt(600, 6.4579));
    p.stop();
  } finally {
    process.stdout.write = write;
    Object.defineProperty(process.stdout, 'isTTY', { value: tty, configurable: true });
  }
  const last = lines.filter((l) => l.startsWith('run: step 600/600'));
  assert.equal(last.length, 1, lines.join(''));
  assert.match(last[0], /eval 6\.5207 \(step 550\)/);
});
