/**
 * `helene-studio worker`: take run jobs off the queue, `concurrency` at a time, each in a child
 * train process writing its run folder under the shared runs dir. Heartbeats into Redis (alive, which
 * runs). BullMQ's job lock is renewed while the worker lives; when a worker dies (SIGKILL, a lost
 * machine) the lock expires, another worker's stalled-job check puts the job back, and whoever takes it
 * resumes the run from its newest checkpoint (job-runner.ts).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker, type Job } from 'bullmq';
import { QUEUE_SCHEMA, type QueueWorkerInfo, type RunJobData, type RunJobResult } from '../protocol';
import { checkQueueSchema } from './queue-meta';
import { HEARTBEAT_EVERY_MS, HEARTBEAT_TTL_S, QUEUE_NAME, QUEUE_PREFIX, queueKeys } from './queue-keys';
import { connectRedis, parseRedisUrl } from './redis-connection';
import { runJob } from './job-runner';
import { UnrecoverableError } from 'bullmq';

export interface WorkerOptions {
  queue: string;
  runsDir: string;
  concurrency: number;
  workerId?: string;
  cliPath: string;
  /** BullMQ job lock; a dead worker's jobs are taken over about this long after it died (default 30 s). */
  lockMs?: number;
  out?: (line: string) => void;
}

/** Lock and stalled-check timing: from options, else HELENE_QUEUE_LOCK_MS (tests make it short). */
function lockTiming(lockMs?: number): { lockDuration: number; stalledInterval: number } {
  const ms = lockMs ?? (Number(process.env.HELENE_QUEUE_LOCK_MS) || 30_000);
  return { lockDuration: ms, stalledInterval: Math.max(500, Math.round(ms / 2)) };
}

export async function runWorker(options: WorkerOptions): Promise<number> {
  const out = options.out ?? ((line: string) => process.stdout.write(line + '\n'));
  const url = parseRedisUrl(options.queue);
  const runsDir = path.resolve(options.runsDir);
  fs.mkdirSync(runsDir, { recursive: true });
  const client = await connectRedis(options.queue, { purpose: 'the run queue', maxRetriesPerRequest: null });
  try {
    await checkQueueSchema(client, url.display);
  } catch (e) {
    client.disconnect();
    throw e;
  }
  const id = options.workerId ?? `${os.hostname()}-${process.pid}`;
  const running = new Map<string, number | null>();
  const startedAt = new Date().toISOString();
  const beat = () => {
    const info: QueueWorkerInfo = { id, host: os.hostname(), pid: process.pid, concurrency: options.concurrency, runsDir, running: [...running.keys()], startedAt, beatAt: new Date().toISOString() };
    return client.set(queueKeys.worker(id), JSON.stringify(info), 'EX', HEARTBEAT_TTL_S).catch(() => undefined);
  };
  await beat();
  const heartbeat = setInterval(beat, HEARTBEAT_EVERY_MS);

  const processJob = async (job: Job<RunJobData, RunJobResult>): Promise<RunJobResult> => {
    const data = job.data;
    if (data?.schema !== QUEUE_SCHEMA) throw new UnrecoverableError(`job ${job.id} has queue schema ${data?.schema}, this worker speaks ${QUEUE_SCHEMA}`);
    running.set(data.runId, null);
    void beat();
    out(`${data.runId} (${data.label}): taken${job.attemptsMade || job.stalledCounter ? ` again (attempt ${job.attemptsMade + 1}, stalled ${job.stalledCounter}x)` : ''}`);
    try {
      const result = await runJob(data, { cliPath: options.cliPath, runsDir, workerId: id, client, onChild: (pid) => running.set(data.runId, pid) });
      out(`${data.runId}: ${result.state}${result.resumedFrom.length ? ` (resumed from step ${result.resumedFrom.join(', ')})` : ''}`);
      return result;
    } catch (e) {
      out(`${data.runId}: failed: ${(e as Error).message}`);
      throw e;
    } finally {
      running.delete(data.runId);
      void beat();
    }
  };

  const worker = new Worker<RunJobData, RunJobResult>(QUEUE_NAME, processJob, {
    connection: client,
    prefix: QUEUE_PREFIX,
    concurrency: options.concurrency,
    ...lockTiming(options.lockMs),
    // A job whose worker died is handed on this many times before it counts as failed.
    maxStalledCount: 5,
  });
  worker.on('error', (e) => out(`worker: ${e.message}`));
  out(`worker ${id}: ${options.concurrency} at a time, runs in ${runsDir}, queue ${url.display}`);

  let interrupts = 0;
  let closing: Promise<void> | null = null;
  const done = new Promise<number>((resolve) => {
    const onSignal = () => {
      interrupts++;
      if (interrupts === 1) {
        out(`stopping: the runs in hand finish, no new ones are taken (press again to quit now; another worker resumes the runs)`);
        closing = worker.close().then(() => resolve(0));
      } else {
        resolve(130);
      }
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  const code = await done;
  clearInterval(heartbeat);
  if (code === 0) {
    await closing;
    await client.del(queueKeys.worker(id)).catch(() => undefined);
    await client.quit().catch(() => undefined);
  }
  return code;
}
