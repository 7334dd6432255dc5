/**
 * A run's live messages in a Redis stream (one per run, trimmed to about STREAM_MAXLEN entries), so the
 * CLI (`follow`) and the extension can watch a run on another machine without its run folder.
 */
import type { Redis } from 'ioredis';
import type { RunStreamMessage } from '../protocol';
import { queueKeys, STREAM_MAXLEN } from './queue-keys';

export function publishRunMessage(client: Redis, runId: string, message: RunStreamMessage): Promise<unknown> {
  return client.xadd(queueKeys.runStream(runId), 'MAXLEN', '~', String(STREAM_MAXLEN), '*', 'm', JSON.stringify(message));
}

export interface StreamBatch {
  lastId: string;
  messages: RunStreamMessage[];
}

/** Entries after `lastId` ('0' = from the start), waiting up to blockMs for the first one (0 = do not wait). */
export async function readRunMessages(client: Redis, runId: string, lastId: string, blockMs: number): Promise<StreamBatch> {
  const key = queueKeys.runStream(runId);
  const reply = (blockMs > 0
    ? await client.xread('COUNT', 1000, 'BLOCK', blockMs, 'STREAMS', key, lastId)
    : await client.xread('COUNT', 1000, 'STREAMS', key, lastId)) as [string, [string, string[]][]][] | null;
  const messages: RunStreamMessage[] = [];
  let last = lastId;
  for (const [, entries] of reply ?? []) {
    for (const [id, fields] of entries) {
      last = id;
      const i = fields.indexOf('m');
      if (i < 0) continue;
      try {
        messages.push(JSON.parse(fields[i + 1]) as RunStreamMessage);
      } catch {
        // a malformed entry (written by hand?) is skipped, not fatal for a follower
      }
    }
  }
  return { lastId: last, messages };
}
