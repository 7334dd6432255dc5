/**
 * `train --data-parallel K` without --redis: a private redis-server for the run
 * (runtime/queue/local-redis-server.ts), its failures as the run's one-line errors.
 */
import { spawnSync } from 'node:child_process';
import { startLocalRedisServer } from '../../queue/local-redis-server';
import { DataParallelError } from './errors';

export interface LocalRedis {
  url: string;
  stop(): Promise<void>;
}

export async function startLocalRedis(binary = process.env.REDIS_SERVER ?? 'redis-server'): Promise<LocalRedis> {
  if (spawnSync(binary, ['--version']).status !== 0) {
    throw new DataParallelError(`--data-parallel without --redis starts a local redis-server, but "${binary}" was not found: install it (apt-get install redis-server) or give --redis redis://host:port`);
  }
  try {
    const server = await startLocalRedisServer({ binary, tempPrefix: 'helene-dp-redis-' });
    return { url: server.url, stop: server.stop };
  } catch (e) {
    throw new DataParallelError(`the local ${(e as Error).message}`);
  }
}
