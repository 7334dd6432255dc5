/**
 * What a queue holds right now, for the extension's Sweeps view: live workers (their heartbeats;
 * an expired key is a dead worker) and BullMQ's job counts as queued / running / done / failed.
 */
import type { Redis } from 'ioredis';
import type { Queue } from 'bullmq';
import type { QueueCounts, QueueWorkerInfo } from '../protocol';
import { queueKeys } from './queue-keys';

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

export async function readQueueStatus(client: Redis, queue: Queue): Promise<QueueStatus> {
  const c = await queue.getJobCounts('waiting', 'delayed', 'prioritized', 'active', 'completed', 'failed');
  return {
    workers: await readQueueWorkers(client),
    counts: { queued: (c.waiting ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0), running: c.active ?? 0, done: c.completed ?? 0, failed: c.failed ?? 0 },
  };
}
