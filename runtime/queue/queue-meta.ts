/**
 * The queue's schema check: the first sweep or worker on a Redis stamps QUEUE_SCHEMA into the meta key;
 * everyone after refuses a queue stamped with another schema (jobs of another shape would be misread).
 */
import type { Redis } from 'ioredis';
import { QUEUE_SCHEMA } from '../protocol';
import { queueKeys } from './queue-keys';
import { RedisConnectionError } from './redis-connection';

/** A queue that cannot be used as asked (another schema, an unknown run): the user's input, one line. */
export class QueueError extends RedisConnectionError {
  override name = 'QueueError';
}

export async function checkQueueSchema(client: Redis, display: string): Promise<void> {
  await client.hsetnx(queueKeys.meta, 'schema', String(QUEUE_SCHEMA));
  await client.hsetnx(queueKeys.meta, 'createdAt', new Date().toISOString());
  const stored = await client.hget(queueKeys.meta, 'schema');
  if (stored !== String(QUEUE_SCHEMA)) {
    throw new QueueError(
      `the queue at ${display} was made by a helene-studio with queue schema ${stored}; this one speaks schema ${QUEUE_SCHEMA}: ` +
        `run the same helene-studio version on every machine, or use another Redis database (redis://host:port/<db>)`,
    );
  }
}
