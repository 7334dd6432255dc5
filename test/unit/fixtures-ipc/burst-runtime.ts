// A runtime stand-in that ends the way `train --ipc` does (runtime/cli/train-command.ts), with the
// real send functions of runtime/cli/ipc.ts: a burst of metrics far larger than the socket's
// buffer (so most of it is still queued in the child when the burst ends), its final status, then
// 'done' through sendLastAndDisconnect. BURST_MESSAGES x BURST_RECORDS step records;
// BURST_FALLBACK_MS: sendLastAndDisconnect's fallback; BURST_EXIT_MARKER: a file written at exit.
import * as fs from 'node:fs';
import { send, sendLastAndDisconnect } from '../../../runtime/cli/ipc';
import type { StepRecord } from '../../../runtime/protocol';

const messages = Number(process.env.BURST_MESSAGES);
const perMessage = Number(process.env.BURST_RECORDS);
const fallbackMs = process.env.BURST_FALLBACK_MS ? Number(process.env.BURST_FALLBACK_MS) : undefined;
const marker = process.env.BURST_EXIT_MARKER;
if (marker) process.on('exit', () => fs.writeFileSync(marker, `exited ${Date.now()}\n`));
const updatedAt = new Date().toISOString();
const timing = { forwardMs: 1, rngMs: 1, optimizerMs: 1, dataMs: 1, totalMs: 4 };
send({ type: 'hello', runId: 'burst', runDir: '/nonexistent/burst', pid: process.pid });
let t = 0;
for (let m = 0; m < messages; m++) {
  const records: StepRecord[] = [];
  for (let i = 0; i < perMessage; i++) {
    t++;
    records.push({ kind: 'step', t, loss: 1 / t, c: 0.5, lr: 1e-3, forwardPasses: 2 * t, examples: 16 * t, wallMs: t, timing, examplesPerSec: 1000, skipped: false });
  }
  send({ type: 'metrics', records });
}
send({ type: 'status', status: { state: 'finished', step: t, totalSteps: t, updatedAt } });
sendLastAndDisconnect({ type: 'done', summary: { state: 'finished', steps: t, forwardPasses: 2 * t, trainingPasses: 2 * t, evalPasses: 0, examples: 16 * t, wallSeconds: 1, stepsPerSecond: t, finalLoss: 1 / t, finalEval: null, bestEval: null, skippedSteps: 0 } }, fallbackMs);
