/**
 * The one way the runtime talks to Redis (queue-backed sweeps, data-parallel runs): parse and check a
 * `redis://` URL, connect, and turn what goes wrong into one clear message that names the URL (with the
 * password hidden) and what the connection was for. A bad URL, an unreachable server and a refused
 * password are the user's input, so they are RedisConnectionError (printed without a stack trace).
 */
import type { Redis } from 'ioredis';

export class RedisConnectionError extends Error {
  override name = 'RedisConnectionError';
}

export interface RedisUrl {
  host: string;
  port: number;
  username?: string;
  password?: string;
  /** Database index from the path (`redis://host:6379/2`), 0 when absent. */
  db: number;
  tls: boolean;
  /** The URL as it is safe to print: the password replaced by `***`. */
  display: string;
}

const DEFAULT_PORT = 6379;

/** Parse `redis://[user:password@]host[:port][/db]` (or `rediss://` for TLS); throws RedisConnectionError naming what is wrong. */
export function parseRedisUrl(text: string, where = '--queue'): RedisUrl {
  const bad = (why: string) => new RedisConnectionError(`${where}: ${why} (expected redis://[:password@]host[:port][/db], e.g. redis://127.0.0.1:6379)`);
  const trimmed = text.trim();
  if (!trimmed) throw bad('the Redis URL is empty');
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw bad(`"${trimmed}" is not a URL`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw bad(`"${url.protocol}" is not a Redis scheme in "${redact(trimmed)}"`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw bad(`no host in "${redact(trimmed)}"`);
  const port = url.port ? Number(url.port) : DEFAULT_PORT;
  const dbText = url.pathname.replace(/^\//, '');
  if (dbText && !/^\d+$/.test(dbText)) throw bad(`the database "${dbText}" is not a number`);
  const username = url.username ? decodeURIComponent(url.username) : undefined;
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  const tls = url.protocol === 'rediss:';
  const display = `${url.protocol}//${username || password ? `${username ?? ''}${password ? ':***' : ''}@` : ''}${url.host}${dbText ? `/${dbText}` : ''}`;
  return { host, port, username, password, db: dbText ? Number(dbText) : 0, tls, display };
}

function redact(text: string): string {
  return text.replace(/(\/\/[^:@/]*:)[^@/]*@/, '$1***@');
}

export interface ConnectOptions {
  /** What the connection is for, in words: it ends up in the error message ("the sweep queue"). */
  purpose: string;
  /** Give up on the first connection after this long (default 5 s). */
  connectTimeoutMs?: number;
  /** null for BullMQ workers (they need blocking commands to wait through reconnects); default 3. */
  maxRetriesPerRequest?: number | null;
}

/**
 * Connect and check the server answers (PING, which also surfaces a missing or wrong password).
 * The first connection fails fast with a clear message; once connected, the client reconnects on its own.
 */
export async function connectRedis(text: string, options: ConnectOptions): Promise<Redis> {
  const url = parseRedisUrl(text);
  let everReady = false;
  // Loaded on first use: the extension host bundles this module but most windows never connect.
  const { Redis } = await import('ioredis');
  const client = new Redis({
    host: url.host,
    port: url.port,
    username: url.username,
    password: url.password,
    db: url.db,
    tls: url.tls ? {} : undefined,
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 5000,
    maxRetriesPerRequest: options.maxRetriesPerRequest === undefined ? 3 : options.maxRetriesPerRequest,
    enableOfflineQueue: true,
    // Before the first success a failure is final (the user typed a wrong address); after it, retry.
    retryStrategy: (times) => (everReady ? Math.min(times * 200, 2000) : null),
  });
  // ioredis emits 'error' on every failed attempt; without a listener Node would print them. The first
  // connection's failure is reported through connect() below; later ones are retried by the strategy.
  let lastError: Error | undefined;
  client.on('error', (e: Error) => {
    lastError = e;
  });
  try {
    await client.connect();
    await client.ping();
    everReady = true;
    return client;
  } catch (e) {
    client.disconnect();
    // A refused password or a refused connection closes the socket: the client then rejects with a
    // bare "Connection is closed", while the real reason came earlier through the 'error' event.
    const closed = /Connection is closed/.test((e as Error)?.message ?? '');
    throw new RedisConnectionError(explain(url, options.purpose, closed && lastError ? lastError : (e as Error)));
  }
}

/** One line saying why Redis at `url` could not be used for `purpose`. */
export function explain(url: RedisUrl, purpose: string, e: Error): string {
  const message = e.message ?? String(e);
  const code = (e as NodeJS.ErrnoException).code ?? '';
  const at = `Redis at ${url.display} (for ${purpose})`;
  if (/WRONGPASS|invalid password|invalid username-password/i.test(message)) return `${at} refused the password in the URL (${message.split('\n')[0]})`;
  if (/NOAUTH/i.test(message)) return `${at} needs a password: put it in the URL as redis://:<password>@${url.host}:${url.port}`;
  if (/without any password configured/i.test(message)) return `${at} has no password set, but the URL gives one: drop it from the URL`;
  if (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(message)) return `cannot reach ${at}: connection refused; is redis-server running there and listening on port ${url.port}?`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || /ENOTFOUND|EAI_AGAIN/.test(message)) return `cannot reach ${at}: unknown host "${url.host}"`;
  if (code === 'ETIMEDOUT' || /ETIMEDOUT|timed? ?out/i.test(message)) return `cannot reach ${at}: no answer in time (a firewall, or the wrong host?)`;
  if (/Connection is closed|Stream isn't writeable/i.test(message)) return `cannot reach ${at}: the connection closed before the server answered`;
  return `cannot use ${at}: ${message.split('\n')[0]}`;
}
