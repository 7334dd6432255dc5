/**
 * What a queue holds right now, for the extension's Sweeps view: live workers (their heartbeats;
 * an expired key is a dead worker) and the job counts as queued / running / done / failed.
 * Counts are read with plain LLEN/ZCARD on BullMQ's state keys (what its own getJobCounts reads), so
 * the extension needs ioredis only, not BullMQ (about 1.2 MB more in its bundle); the queue test
 * checks these counts against BullMQ's getJobCounts on a real server.
 */
import type { Redis } from 'ioredis';
import type { QueueCounts, QueueWorkerInfo } from '../protocol';
import { QUEUE_NAME, QUEUE_PREFIX, queueKeys } from './queue-keys';

export interface QueueStatus {
  workers: QueueWorkerInfo[];
  counts: QueueCounts;
}

export async function readQueueWorkers(client: Redis): Promise<QueueWorkerInfo[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', queueKeys.workerPattern, 'COUNT', 200);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  const values = keys.length ? await client.mget(...keys) : [];
  const workers: QueueWorkerInfo[] = [];
  for (const v of values) {
    try {
      if (v) workers.push(JSON.parse(v) as QueueWorkerInfo);
    } catch {
      // a key someone else wrote under our pattern: not a worker
    }
  }
  return workers.sort((a, b) => a.id.localeCompare(b.id));
}

/** BullMQ v5's state keys: lists wait/paused/active, sorted sets delayed/prioritized/completed/failed. */
export async function readJobCounts(client: Redis): Promise<QueueCounts> {
  const key = (state: string) => `${QUEUE_PREFIX}:${QUEUE_NAME}:${state}`;
  const replies = await client
    .multi()
    .llen(key('wait'))
    .llen(key('paused'))
    .zcard(key('delayed'))
    .zcard(key('prioritized'))
    .llen(key('active'))
    .zcard(key('completed'))
    .zcard(key('failed'))
    .exec();
  const n = (i: number) => {
    const [err, v] = replies?.[i] ?? [null, 0];
    if (err) throw err;
    return Number(v) || 0;
  };
  return { queued: n(0) + n(1) + n(2) + n(3), running: n(4), done: n(5), failed: n(6) };
}

export async function readQueueStatus(client: Redis): Promise<QueueStatus> {
  return { workers: await readQueueWorkers(client), counts: await readJobCounts(client) };
}
