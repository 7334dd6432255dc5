// A stand-in for dist/cli.js in supervisor tests: speaks the RuntimeMessage protocol over the IPC
// channel, obeys pause/resume/stop/set-hyperparameters, and misbehaves on request.
// FAKE_MODE: normal (run until stopped or FAKE_STEPS), crash (stderr lines then exit 3),
//            signal (SIGKILL itself), malformed (two bad messages first),
//            linger (after 'done', wait for the host to close the channel, like a Node child does),
//            deaf (ignore stop),
//            lost-end (writes its folder like the runtime: metrics.jsonl, then at the end summary.json
//            and the final status.json; its last 2 steps' metrics, final status and 'done' never
//            reach the host, then it exits 0: the messages a closed channel once dropped).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const mode = process.env.FAKE_MODE || 'normal';
const totalSteps = Number(process.env.FAKE_STEPS || 1000000);
const runDir = process.env.FAKE_RUN_DIR || '/tmp/fake-run';
const send = (m) => process.send && process.connected && process.send(m);
const now = () => new Date().toISOString();
let step = 0;
// FAKE_START_PAUSED=1: wait for a 'resume' before the first step (a test gets ready first).
let paused = process.env.FAKE_START_PAUSED === '1';
let lr = 0.001;

process.stdout.write(`fake runtime argv: ${JSON.stringify(process.argv.slice(2))}\n`);
send({ type: 'hello', runId: 'fake-run', runDir, pid: process.pid });
send({ type: 'log', level: 'info', text: `args ${JSON.stringify(process.argv.slice(2))}` });
if (mode === 'malformed') {
  send({ type: 'bogus', payload: 1 });
  send({ type: 'metrics', records: 'not an array' });
}
send({ type: 'manifest', manifest: { format: 'helene-run', version: 1, id: 'fake-run', name: 'fake', engine: { provider: 'cpu', requestedProvider: 'auto' }, config: { steps: totalSteps } } });
send({ type: 'status', status: { state: 'running', step: 0, totalSteps, updatedAt: now(), provider: 'cpu' } });

function finish(state) {
  clearInterval(timer);
  const status = { state, step, totalSteps, updatedAt: now() };
  const summary = { state, steps: step, forwardPasses: 2 * step, examples: step, wallSeconds: 0.1, stepsPerSecond: 10, finalLoss: 1 / (step + 1), finalEval: null, bestEval: null, skippedSteps: 0 };
  if (mode === 'lost-end') {
    fs.writeFileSync(path.join(runDir, 'summary.json'), JSON.stringify(summary));
    fs.writeFileSync(path.join(runDir, 'status.json'), JSON.stringify(status));
    process.exit(0);
  }
  send({ type: 'status', status });
  send({ type: 'done', summary });
  // linger: nothing left but the open IPC channel keeps the process alive until the host closes it.
  if (mode !== 'linger') setTimeout(() => process.exit(0), 20);
}

process.on('message', (cmd) => {
  if (!cmd || typeof cmd.type !== 'string') return;
  if (cmd.type === 'pause') {
    paused = true;
    send({ type: 'status', status: { state: 'paused', step, totalSteps, updatedAt: now() } });
  } else if (cmd.type === 'resume') {
    paused = false;
    send({ type: 'status', status: { state: 'running', step, totalSteps, updatedAt: now() } });
  } else if (cmd.type === 'stop') {
    if (mode !== 'deaf') finish('stopped');
  } else if (cmd.type === 'set-hyperparameters') {
    if (typeof cmd.values.lr === 'number') lr = cmd.values.lr;
    send({ type: 'log', level: 'info', text: `hyperparameters ${JSON.stringify(cmd.values)}` });
  }
});
if (mode !== 'linger') process.on('disconnect', () => process.exit(0));

const timer = setInterval(() => {
  if (paused) return;
  step++;
  const record = { kind: 'step', t: step, loss: 1 / step, lr, forwardPasses: 2 * step, examples: step, wallMs: step, timing: { forwardMs: 0, rngMs: 0, optimizerMs: 0, dataMs: 0, totalMs: 0 }, examplesPerSec: 1 };
  if (mode === 'lost-end') fs.appendFileSync(path.join(runDir, 'metrics.jsonl'), JSON.stringify(record) + '\n');
  if (mode !== 'lost-end' || step <= totalSteps - 2) send({ type: 'metrics', records: [record] });
  if (mode === 'crash' && step === 2) {
    for (let i = 1; i <= 50; i++) process.stderr.write(`boom line ${i}\n`);
    process.stderr.write('Error: fake native crash', () => process.exit(3)); // no trailing newline on purpose
  }
  if (mode === 'signal' && step === 2) process.kill(process.pid, 'SIGKILL');
  if (step >= totalSteps) finish('finished');
}, 5);
