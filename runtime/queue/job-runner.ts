/**
 * One queue job = one run, trained by this CLI's own `train` (or `resume`) in a child process, exactly
 * the path a local run takes; so a worker crash is a real process death and the run folder stays valid.
 * A run folder that already holds a checkpoint (a worker died mid-run) is resumed from its newest one.
 * The child's IPC messages go to the run's Redis stream; a sweep stop (a Redis key, polled) reaches
 * the child as the same `stop` control the extension sends, so it stops at a step boundary.
 */
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Redis } from 'ioredis';
import { UnrecoverableError } from 'bullmq';
import type { RunJobData, RunJobResult, RunStreamMessage, RunSummary, SweepRecord } from '../protocol';
import { SWEEP_FORMAT, SWEEP_FORMAT_VERSION } from '../protocol';
import { listCheckpoints } from '../run/checkpoint';
import { RUN_FILES } from '../run/run-folder';
import { readRunHistorySync } from '../run/run-reader';
import { lockOwnerAlive } from '../runs/lock-owner';
import { rowsFromSnapshots } from '../runs/sweep-table';
import { queueKeys } from './queue-keys';
import { publishRunMessage } from './run-stream';

export interface JobContext {
  cliPath: string;
  runsDir: string;
  workerId: string;
  client: Redis;
  /** Called with the child's pid once it runs (the worker's heartbeat and tests use it). */
  onChild?: (pid: number) => void;
}

const STOP_POLL_MS = 250;
const STDERR_KEEP = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function readSummary(dir: string): RunSummary | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, RUN_FILES.summary), 'utf8')) as RunSummary;
  } catch {
    return null;
  }
}

/** The sweep-table numbers of the run in `dir`, read the way the local sweep table reads them. */
export function jobResultFromFolder(data: RunJobData, dir: string, state: RunJobResult['state'], workerId: string, resumedFrom: number[]): RunJobResult {
  const record = { format: SWEEP_FORMAT, version: SWEEP_FORMAT_VERSION, runsDir: path.dirname(dir), entries: [{ index: data.index, runId: data.runId, label: data.label, values: data.values, state }] } as unknown as SweepRecord;
  let snap = null;
  try {
    snap = readRunHistorySync(dir);
  } catch {
    // an unreadable folder leaves the numbers empty; the state still says how the run ended
  }
  const [row] = rowsFromSnapshots(record, new Map([[data.runId, snap]]));
  return {
    state, steps: row.steps, totalSteps: row.totalSteps, trainingPasses: row.trainingPasses, evalPasses: row.evalPasses,
    finalEvalLoss: row.finalEvalLoss, bestEvalLoss: row.bestEvalLoss, accuracy: row.accuracy, finalTrainLoss: row.finalTrainLoss,
    worker: workerId, resumedFrom,
  };
}

/** The child's one-line reason: its last `error:` line (the CLI prints exactly one for bad input). */
function failureLine(stderr: string[], fatal: string | null): string {
  const line = [...stderr].reverse().find((l) => l.startsWith('error: '));
  if (line) return line.slice('error: '.length);
  return fatal?.split('\n')[0] ?? stderr[stderr.length - 1] ?? 'the train process failed without a message';
}

export async function runJob(data: RunJobData, ctx: JobContext, resumedFrom: number[] = []): Promise<RunJobResult> {
  const dir = path.join(ctx.runsDir, data.runId);
  const note = (m: RunStreamMessage) => publishRunMessage(ctx.client, data.runId, m).catch(() => undefined);
  // Done already (a worker died after the run ended but before the job was marked): report, do not rerun.
  const before = readSummary(dir);
  if (before?.state === 'finished') return jobResultFromFolder(data, dir, 'finished', ctx.workerId, resumedFrom);
  if ((await ctx.client.get(queueKeys.sweepStop(data.sweepId))) === '1') {
    await note({ type: 'worker', worker: ctx.workerId, event: 'ended', state: 'cancelled' });
    return jobResultFromFolder(data, dir, 'cancelled', ctx.workerId, resumedFrom);
  }
  // A child of a dead worker notices its lost IPC channel and stops at a step boundary: wait for it
  // to let go of the folder rather than fail on its lock (same machine; other machines' pids differ).
  for (let waited = 0; lockOwnerAlive(dir) && waited < 60_000; waited += 200) await sleep(200);

  const checkpoints = fs.existsSync(path.join(dir, RUN_FILES.manifest)) ? listCheckpoints(dir) : [];
  let args: string[];
  let configFile: string | null = null;
  if (checkpoints.length) {
    const step = Math.max(...checkpoints.map((c) => c.step));
    resumedFrom = [...resumedFrom, step];
    args = ['resume', dir, '--ipc'];
    await note({ type: 'worker', worker: ctx.workerId, event: 'resumed', step });
  } else {
    configFile = path.join(os.tmpdir(), `helene-job-${data.runId}-${process.pid}.json`);
    const config = { ...data.config, output: { ...data.config.output, runsDir: ctx.runsDir, runId: data.runId } };
    fs.writeFileSync(configFile, JSON.stringify(config));
    args = ['train', '--config', configFile, '--ipc'];
    await note({ type: 'worker', worker: ctx.workerId, event: 'started' });
  }

  // Detached: a Ctrl-C in the worker's terminal must not reach the runs (the worker decides what they do).
  const child = fork(ctx.cliPath, args, { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv: [], detached: true });
  if (child.pid) ctx.onChild?.(child.pid);
  const stderr: string[] = [];
  let fatal: string | null = null;
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr.push(...chunk.split('\n').filter((l) => l.trim()));
    if (stderr.length > STDERR_KEEP) stderr.splice(0, stderr.length - STDERR_KEEP);
  });
  child.on('message', (m: RunStreamMessage) => {
    if (m.type === 'fatal') fatal = m.message;
    void note(m);
  });
  let stopAsked = false;
  const poll = setInterval(() => {
    ctx.client.get(queueKeys.sweepStop(data.sweepId)).then((v) => {
      if (v === '1' && !stopAsked && child.connected) {
        stopAsked = true;
        child.send({ type: 'stop' });
      }
    }, () => undefined);
  }, STOP_POLL_MS);
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    child.on('error', (error) => resolve({ code: null, signal: null, error }));
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  clearInterval(poll);
  if (configFile) fs.rmSync(configFile, { force: true });

  if (exit.code === 0) {
    const state = readSummary(dir)?.state === 'finished' ? 'finished' : 'stopped';
    await note({ type: 'worker', worker: ctx.workerId, event: 'ended', state });
    return jobResultFromFolder(data, dir, state, ctx.workerId, resumedFrom);
  }
  if (exit.signal || exit.error) {
    // Killed (out of memory, an operator): not the input's fault, so BullMQ may try again (it resumes).
    const why = exit.error ? exit.error.message : `the train process was killed by ${exit.signal}`;
    await note({ type: 'worker', worker: ctx.workerId, event: 'ended', state: 'failed', error: why });
    throw new Error(why);
  }
  // The train command exits 1 with one `error:` line for bad input (or a diverged run): retrying
  // would fail the same way, so the job fails for good and the line reaches the sweep table.
  const line = failureLine(stderr, fatal);
  await note({ type: 'worker', worker: ctx.workerId, event: 'ended', state: 'failed', error: line });
  throw new UnrecoverableError(line);
}
