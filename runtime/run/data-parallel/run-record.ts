/**
 * The run record in Redis: rank 0 publishes it (clearing what an earlier session of the same run id
 * left), `--join` reads it. A join URL is the Redis URL with the run id as its last path segment:
 * redis://[:password@]host:port[/db]/<run id>.
 */
import type { Redis } from 'ioredis';
import { parseRedisUrl } from '../../queue/redis-connection';
import { DataParallelError } from './errors';
import { DP_PROTOCOL_VERSION, dpKeys, type DataParallelRecord } from './keys';

export interface JoinTarget {
  /** The Redis URL (without the run id). */
  redisUrl: string;
  runId: string;
}

/** Split `redis://host:port[/db]/<run id>`; the Redis part is checked like any Redis URL. */
export function parseJoinUrl(text: string): JoinTarget {
  const usage = 'expected redis://[:password@]host:port[/db]/<run id>, as printed by train --data-parallel';
  const m = /^(rediss?:\/\/[^/]+(?:\/\d+)?)\/([^/]+)\/?$/.exec(text.trim());
  if (!m) throw new DataParallelError(`--join "${text.replace(/(\/\/[^:@/]*:)[^@/]*@/, '$1***@')}": no run id at the end of the URL (${usage})`);
  parseRedisUrl(m[1]!, '--join');
  return { redisUrl: m[1]!, runId: decodeURIComponent(m[2]!) };
}

export function joinUrl(redisUrl: string, runId: string): string {
  return `${redisUrl.replace(/\/$/, '')}/${encodeURIComponent(runId)}`;
}

/** Publish a run's record: refused while workers of an earlier session of this run id are alive. */
export async function publishRun(cmd: Redis, runId: string, record: DataParallelRecord): Promise<void> {
  const keys = dpKeys(runId);
  const stale: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await cmd.scan(cursor, 'MATCH', keys.pattern, 'COUNT', 1000);
    cursor = next;
    stale.push(...found);
  } while (cursor !== '0');
  const alive = stale.filter((k) => k.startsWith(`${keys.record}:alive:`));
  if (alive.length) {
    const ranks = alive.map((k) => k.slice(k.lastIndexOf(':') + 1)).join(', ');
    throw new DataParallelError(`data-parallel run "${runId}" is still running on this Redis (rank ${ranks} alive); stop it first, or wait ${record.peerTimeoutS} s if it was killed`);
  }
  const pipe = cmd.multi();
  if (stale.length) pipe.unlink(...stale);
  pipe.del(keys.record);
  pipe.hset(keys.record, 'record', JSON.stringify(record));
  await pipe.exec();
}

/** Read a run's record for --join: one clear message when there is none, or it is of another version. */
export async function readRun(cmd: Redis, target: JoinTarget, display: string): Promise<DataParallelRecord> {
  const text = await cmd.hget(dpKeys(target.runId).record, 'record');
  if (!text) {
    const [, found] = await cmd.scan('0', 'MATCH', 'helene:dp:*', 'COUNT', 1000);
    const ids = [...new Set(found.map((k) => k.split(':')[2]).filter(Boolean))].slice(0, 5);
    throw new DataParallelError(`--join: no data-parallel run "${target.runId}" on Redis at ${display}${ids.length ? ` (runs there: ${ids.join(', ')})` : ' (none is running there)'}; copy the --join URL that train --data-parallel printed`);
  }
  const record = JSON.parse(text) as DataParallelRecord;
  if (record.version !== DP_PROTOCOL_VERSION) {
    throw new DataParallelError(`--join: data-parallel run "${target.runId}" speaks protocol version ${record.version}, this helene-studio speaks ${DP_PROTOCOL_VERSION}: run the same version on every machine`);
  }
  return record;
}

/** Tell every worker of the run to stop, with why (the first reason wins). */
export async function publishAbort(cmd: Redis, runId: string, reason: string): Promise<void> {
  await cmd.set(dpKeys(runId).abort, reason, 'NX');
}
