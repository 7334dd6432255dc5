/**
 * `helene-studio sweep --queue redis://…`: plan and validate the grid exactly like a local sweep, then
 * put one BullMQ job per run on the queue (job id = run id, so submitting a run twice adds it once)
 * and follow the jobs: a line per state change, the sorted table at the end (from the numbers each
 * worker returns, so the submitting machine needs no access to the run folders). Ctrl-C stops the
 * sweep: waiting jobs are removed (cancelled), running ones stop at a step boundary (a Redis key the
 * workers poll). The sweep record is also written locally to <runsDir>/.sweeps/<id>.json.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Queue, type Job } from 'bullmq';
import { ConfigError, QUEUE_SCHEMA, SWEEP_FORMAT, SWEEP_FORMAT_VERSION, type RunJobData, type RunJobResult, type SweepEntryState, type SweepRecord } from '../protocol';
import { writeFileAtomic, writeJsonAtomic } from '../run/atomic-write';
import { defaultSweepId } from '../runs/sweep-spec';
import { sweepFile } from '../runs/sweep-queue';
import { formatSweepTable, sortSweepRows, sweepTableCsv, type SweepRow } from '../runs/sweep-table';
import { loadConfig, parseOverride } from '../cli/config-file';
import { planSweep, type SweepOptions } from '../cli/sweep-command';
import { checkQueueSchema } from './queue-meta';
import { readQueueWorkers } from './queue-status';
import { QUEUE_NAME, QUEUE_PREFIX, queueKeys } from './queue-keys';
import { connectRedis, parseRedisUrl } from './redis-connection';

const POLL_MS = 400;
/** A run killed for a reason other than its input (the child got a signal) is tried this many times. */
const ATTEMPTS = 3;

/** BullMQ's job state as a sweep entry state (completed jobs carry their own: finished / stopped / cancelled). */
export function entryStateOf(state: string, result: RunJobResult | undefined): SweepEntryState {
  if (state === 'active') return 'running';
  if (state === 'completed') return result?.state ?? 'finished';
  if (state === 'failed') return 'failed';
  return 'queued';
}

export async function runQueueSweep(options: SweepOptions & { queue: string }): Promise<{ record: SweepRecord; exitCode: number }> {
  const out = options.out ?? ((line: string) => process.stdout.write(line + '\n'));
  const url = parseRedisUrl(options.queue);
  const sweepId = options.sweepId ?? defaultSweepId();
  const configPath = path.resolve(options.config);
  const { plans, runsDir, axes } = planSweep(configPath, options.grid, options.overrides, sweepId);
  const jobs: RunJobData[] = plans.map((p) => {
    const { config } = loadConfig(configPath, [...options.overrides, ...p.overrides].map(parseOverride));
    return { schema: QUEUE_SCHEMA, sweepId, runId: p.runId, index: p.index, label: p.label, values: p.values, config: { ...config, output: { ...config.output, runId: p.runId } } };
  });

  const client = await connectRedis(options.queue, { purpose: 'the sweep queue', maxRetriesPerRequest: null });
  const queue = new Queue<RunJobData, RunJobResult>(QUEUE_NAME, { connection: client, prefix: QUEUE_PREFIX });
  try {
    await checkQueueSchema(client, url.display);
    const at = new Date().toISOString();
    const record: SweepRecord = {
      format: SWEEP_FORMAT, version: SWEEP_FORMAT_VERSION, id: sweepId, createdAt: at, updatedAt: at, state: 'running', pid: process.pid,
      config: configPath, overrides: options.overrides, grid: options.grid, axes, parallel: 0, sort: options.sort, runsDir, queue: url.display,
      entries: plans.map((p) => ({ index: p.index, runId: p.runId, label: p.label, values: { ...p.values }, state: 'queued' as SweepEntryState })),
    };
    // SET NX: the sweep id is claimed atomically, so two submissions of one id cannot interleave.
    const claimed = await client.set(queueKeys.sweep(sweepId), JSON.stringify(record), 'NX');
    if (claimed !== 'OK') throw new ConfigError([{ path: '--sweep-id', message: `a sweep named ${sweepId} is on the queue at ${url.display} already; pick another id` }]);
    await client.sadd(queueKeys.sweeps, sweepId);
    await queue.addBulk(jobs.map((data) => ({ name: 'run', data, opts: { jobId: data.runId, attempts: ATTEMPTS, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: false, removeOnFail: false } })));
    out(`sweep ${sweepId}: ${plans.length} runs (${axes.map((a) => `${a.key} x${a.values.length}`).join(', ')}) queued on ${url.display}; run folders go to each worker's --runs-dir`);
    // Nothing would happen without a worker: say so instead of waiting in silence.
    if ((await readQueueWorkers(client)).length === 0) out(`no worker is alive on ${url.display} yet: start one with helene-studio worker --queue ${url.display} --runs-dir <shared folder>`);
    return await followSweep(queue, client, record, options, out);
  } finally {
    await queue.close().catch(() => undefined);
    await client.quit().catch(() => undefined);
  }
}

async function followSweep(queue: Queue<RunJobData, RunJobResult>, client: import('ioredis').Redis, record: SweepRecord, options: SweepOptions, out: (line: string) => void): Promise<{ record: SweepRecord; exitCode: number }> {
  const file = sweepFile(record.runsDir, record.id);
  const save = () => {
    record.updatedAt = new Date().toISOString();
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      writeJsonAtomic(file, record);
    } catch {
      // the local copy is a convenience (the extension's Sweeps view); the queue holds the truth
    }
  };
  save();
  const results = new Map<string, RunJobResult>();
  const width = String(record.entries.length).length;
  let stopping = false;
  let interrupts = 0;
  const stop = async () => {
    stopping = true;
    await client.set(queueKeys.sweepStop(record.id), '1');
    for (const e of record.entries) {
      const job = await queue.getJob(e.runId);
      // remove() refuses a job a worker holds; that one stops at its next step boundary instead.
      if (job && (await job.getState()) !== 'active') await job.remove().catch(() => undefined);
    }
  };
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      out('Ctrl-C: stopping the sweep (waiting runs cancelled, running ones stop at the next step boundary; press again to stop following)');
      void stop();
    } else process.exit(130);
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    while (record.entries.some((e) => e.state === 'queued' || e.state === 'running')) {
      for (const e of record.entries) {
        if (e.state !== 'queued' && e.state !== 'running') continue;
        let job: Job<RunJobData, RunJobResult> | undefined = await queue.getJob(e.runId);
        let next: SweepEntryState;
        if (!job) next = stopping ? 'cancelled' : e.state; // removed by the stop
        else {
          const state = await job.getState();
          // Read apart, the job can complete between the two: its state says completed while the copy
          // read before lacks the result (BullMQ writes both at once). Read it again (seen once: a
          // finished run listed with 0 steps and no worker).
          if (state === 'completed' && !job.returnvalue) job = (await queue.getJob(e.runId)) ?? job;
          next = entryStateOf(state, job.returnvalue ?? undefined);
          if (next === 'queued' && stopping && state !== 'active') next = 'cancelled';
          if (next === 'failed') e.error = job.failedReason?.split('\n')[0];
          if (state === 'completed' && job.returnvalue) results.set(e.runId, job.returnvalue);
        }
        if (next === e.state) continue;
        if (next === 'running') e.startedAt = new Date().toISOString();
        else if (next !== 'queued') e.endedAt = new Date().toISOString();
        e.state = next;
        const r = results.get(e.runId);
        const extra = next === 'failed' && e.error ? `: ${e.error}` : r?.resumedFrom.length ? ` (on ${r.worker}, resumed from step ${r.resumedFrom.join(', ')})` : r ? ` (on ${r.worker})` : '';
        out(`[${String(e.index + 1).padStart(width)}/${record.entries.length}] ${e.runId} ${e.label}: ${next}${extra}`);
        save();
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
  const counts = (s: SweepEntryState) => record.entries.filter((e) => e.state === s).length;
  record.state = stopping ? 'stopped' : 'finished';
  save();
  const rows: SweepRow[] = record.entries.map((e) => {
    const r = results.get(e.runId);
    return {
      index: e.index, runId: e.runId, label: e.label, values: e.values, state: e.state, runDir: path.join(record.runsDir, e.runId),
      steps: r?.steps ?? 0, totalSteps: r?.totalSteps ?? null, trainingPasses: r?.trainingPasses ?? 0, evalPasses: r?.evalPasses ?? 0,
      finalEvalLoss: r?.finalEvalLoss ?? null, bestEvalLoss: r?.bestEvalLoss ?? null, accuracy: r?.accuracy ?? null, finalTrainLoss: r?.finalTrainLoss ?? null,
      ...(e.error ? { problem: e.error } : {}),
    };
  });
  const sorted = sortSweepRows(rows, options.sort);
  const csvFile = file.replace(/\.json$/, '.csv');
  try {
    fs.mkdirSync(path.dirname(csvFile), { recursive: true });
    writeFileAtomic(csvFile, sweepTableCsv(sorted, record.axes));
  } catch {
    // as above: the table is printed either way
  }
  out('');
  out(formatSweepTable(sorted, options.sort).trimEnd());
  for (const e of record.entries) if (e.state === 'failed') out(`failed ${e.runId} ${e.label}: ${e.error ?? ''}`);
  out(`sweep file: ${file}\ntable: ${csvFile}`);
  if (stopping) {
    out(`sweep stopped: ${counts('finished')} finished, ${counts('stopped')} stopped, ${counts('cancelled')} cancelled${counts('failed') ? `, ${counts('failed')} failed` : ''}`);
    return { record, exitCode: 130 };
  }
  if (counts('failed')) {
    out(`sweep done: ${counts('failed')} of ${record.entries.length} runs failed (see the lines above)`);
    return { record, exitCode: 1 };
  }
  out(`sweep done: ${counts('finished')} runs finished`);
  return { record, exitCode: 0 };
}
