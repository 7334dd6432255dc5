/**
 * A real redis-server for tests (runtime/queue/local-redis-server.ts): on 127.0.0.1 at a free port,
 * never any other address, stopped by the test. `redisMissing` says why tests must skip when the
 * binary is absent (CI installs Debian's redis-server, so there they always run).
 */
import { spawnSync } from 'node:child_process';
import { startLocalRedisServer, type LocalRedisServer } from '../../runtime/queue/local-redis-server';

export { freePort } from '../../runtime/queue/local-redis-server';

const BINARY = process.env.REDIS_SERVER ?? 'redis-server';

/** undefined when redis-server can run here; otherwise the skip message. */
export const redisMissing: string | undefined = (() => {
  const probe = spawnSync(BINARY, ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? undefined : `redis-server not found (${BINARY}); install it (apt-get install redis-server) to run the Redis tests`;
})();

export type RedisServer = LocalRedisServer;

export function startRedisServer(options: { password?: string } = {}): Promise<RedisServer> {
  return startLocalRedisServer({ binary: BINARY, password: options.password });
}
