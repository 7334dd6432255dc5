/**
 * Polls the queue of heleneStudio.queue.url for the Sweeps view (vscode-free): workers from their
 * heartbeats and the job counts, every couple of seconds while the view is shown; a queue that cannot
 * be reached becomes an error text (retried on the next poll), never an exception in the view.
 */
import type { Redis } from 'ioredis';
import { readQueueStatus, type QueueStatus } from '../../runtime/queue/queue-status';
import { connectRedis, parseRedisUrl } from '../../runtime/queue/redis-connection';
import { TypedEvents } from '../typed-events';

export interface QueueMonitorEvents extends Record<string, unknown> {
  changed: QueueStatus | { error: string };
}

export class QueueMonitor {
  readonly events = new TypedEvents<QueueMonitorEvents>();
  readonly display: string;
  last: QueueStatus | { error: string } | null = null;
  private client: Redis | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private busy = false;

  constructor(readonly url: string, private readonly everyMs = 2000) {
    this.display = parseRedisUrl(url, 'heleneStudio.queue.url').display;
  }

  start(): void {
    if (this.timer) return;
    void this.poll();
    this.timer = setInterval(() => void this.poll(), this.everyMs);
  }

  async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      if (!this.client) {
        this.client = await connectRedis(this.url, { purpose: 'the Sweeps view', connectTimeoutMs: 3000 });
      }
      this.last = await readQueueStatus(this.client);
    } catch (e) {
      this.last = { error: (e as Error).message };
      this.client?.disconnect();
      this.client = null;
    } finally {
      this.busy = false;
    }
    this.events.emit('changed', this.last);
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.client?.disconnect();
    this.events.clear();
  }
}
