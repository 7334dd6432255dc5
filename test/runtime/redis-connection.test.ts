/** runtime/queue/redis-connection.ts against a real redis-server: URL checks and one clear message per failure. */
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { connectRedis, parseRedisUrl, RedisConnectionError } from '../../runtime/queue/redis-connection';
import { freePort, redisMissing, startRedisServer, type RedisServer } from './redis-server';

describe('parseRedisUrl', () => {
  test('reads host, port, password and db, and hides the password when printed', () => {
    const u = parseRedisUrl('redis://:s3cret@10.0.0.5:6380/2');
    assert.deepEqual({ ...u }, { host: '10.0.0.5', port: 6380, username: undefined, password: 's3cret', db: 2, tls: false, display: 'redis://:***@10.0.0.5:6380/2' });
    assert.equal(parseRedisUrl('redis://localhost').port, 6379);
    assert.equal(parseRedisUrl('rediss://h:1').tls, true);
  });
  for (const [text, why] of [
    ['', /empty/],
    ['127.0.0.1:6379', /not a Redis scheme|not a URL/],
    ['http://127.0.0.1:6379', /"http:" is not a Redis scheme/],
    ['redis://h:6379/abc', /database "abc" is not a number/],
    ['redis://h:99999', /not a URL/],
  ] as const) {
    test(`refuses ${JSON.stringify(text)} with one message naming the flag`, () => {
      assert.throws(() => parseRedisUrl(text), (e: Error) => e instanceof RedisConnectionError && e.message.startsWith('--queue: ') && why.test(e.message) && !e.message.includes('\n'));
    });
  }
});

describe('connectRedis', { skip: redisMissing }, () => {
  let open: RedisServer;
  let locked: RedisServer;
  before(async () => {
    open = await startRedisServer();
    locked = await startRedisServer({ password: 'right-one' });
  });
  after(async () => {
    await open?.stop();
    await locked?.stop();
  });

  test('connects and the client works', async () => {
    const c = await connectRedis(open.url, { purpose: 'a test' });
    assert.equal(await c.set('k', 'v'), 'OK');
    assert.equal(await c.get('k'), 'v');
    c.disconnect();
  });

  test('a port nothing listens on: refused, naming the URL and the purpose', async () => {
    const port = await freePort();
    await assert.rejects(connectRedis(`redis://127.0.0.1:${port}`, { purpose: 'the sweep queue' }), (e: Error) => {
      assert.ok(e instanceof RedisConnectionError);
      assert.equal(e.message, `cannot reach Redis at redis://127.0.0.1:${port} (for the sweep queue): connection refused; is redis-server running there and listening on port ${port}?`);
      return true;
    });
  });

  test('a wrong password: refused, the password never printed', async () => {
    const url = `redis://:wrong-one@127.0.0.1:${locked.port}`;
    await assert.rejects(connectRedis(url, { purpose: 'a test' }), (e: Error) => e instanceof RedisConnectionError && /refused the password/.test(e.message) && !e.message.includes('wrong-one') && e.message.includes(':***@'));
  });

  test('no password where one is needed: says to put it in the URL', async () => {
    await assert.rejects(connectRedis(`redis://127.0.0.1:${locked.port}`, { purpose: 'a test' }), (e: Error) => e instanceof RedisConnectionError && /needs a password/.test(e.message));
  });

  test('the right password connects', async () => {
    const c = await connectRedis(locked.url, { purpose: 'a test' });
    assert.equal(await c.ping(), 'PONG');
    c.disconnect();
  });
});
