/**
 * The step exchange against a real Redis, with stand-in engines: the weights hash catches workers
 * whose weights differ (naming the step), and losses come back in rank order whatever the order in
 * which the workers publish them.
 */
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { connectRedis } from '../../runtime/queue/redis-connection';
import type { TrainingEngine } from '../../runtime/engine/training-engine';
import { StepExchange } from '../../runtime/run/data-parallel/step-exchange';
import { ShardedLosses, ThetaMismatchError } from '../../runtime/run/data-parallel/sharded-losses';
import { redisMissing, startRedisServer, type RedisServer } from './redis-server';

/** An engine whose every pass returns its shard's example indices (+ scale), after `delayMs`. */
function fakeEngine(shardStart: number, rows: number, delayMs: number): TrainingEngine {
  return {
    setBatch() {},
    async losses(scale: number) {
      await new Promise((r) => setTimeout(r, delayMs));
      return Float32Array.from({ length: rows }, (_, i) => shardStart + i + scale);
    },
  } as unknown as TrainingEngine;
}

describe('step exchange', { skip: redisMissing }, () => {
  let redis: RedisServer;
  const clients: Redis[] = [];
  before(async () => {
    redis = await startRedisServer();
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await redis?.stop();
  });

  async function workers(runId: string, K: number, thetas: Float32Array[], hashEvery: number, delays: number[]) {
    const B = 6;
    const out: ShardedLosses[] = [];
    for (let r = 0; r < K; r++) {
      const cmd = await connectRedis(redis.url, { purpose: 'test' });
      const reader = await connectRedis(redis.url, { purpose: 'test', maxRetriesPerRequest: null });
      clients.push(cmd, reader);
      const exchange = new StepExchange(cmd, reader, runId, r, K, { peerTimeoutMs: 5000, joinTimeoutMs: 5000 });
      await exchange.join();
      const rows = B / K;
      const layers = [{ name: 'w', shape: [2], size: 2, rank: 1, theta: thetas[r]!, dir: new Float32Array(2) }];
      out.push(new ShardedLosses(fakeEngine(r * rows, rows, delays[r]!), layers, exchange, B, hashEvery, () => {}));
    }
    return out;
  }

  test('losses come back in example order, whichever worker publishes first', async () => {
    const theta = () => Float32Array.from([1, 2]);
    // Rank 0 is the slowest: its message arrives last.
    const ws = await workers('order', 3, [theta(), theta(), theta()], 100, [60, 0, 20]);
    ws.forEach((w) => w.setBatch(1, {}));
    const all = await Promise.all(ws.map((w) => w.losses(0.5)));
    for (const losses of all) assert.deepEqual([...losses], [0.5, 1.5, 2.5, 3.5, 4.5, 5.5]);
  });

  test('Redis going away mid-step fails the wait with one clear message instead of hanging', async () => {
    const own = await startRedisServer();
    const cmd = await connectRedis(own.url, { purpose: 'test' });
    const reader = await connectRedis(own.url, { purpose: 'test' });
    clients.push(cmd, reader);
    const exchange = new StepExchange(cmd, reader, 'gone', 0, 2, { peerTimeoutMs: 60_000, joinTimeoutMs: 60_000 }, own.url);
    await exchange.join();
    // Rank 1 never answers; then the server stops.
    const waiting = exchange.gather(1, { pass: 0, losses: new Float32Array(3) });
    await new Promise((r) => setTimeout(r, 200));
    await own.stop();
    await assert.rejects(waiting, new RegExp(`^DataParallelError: lost the connection to Redis at ${own.url.replace(/[/.]/g, '\\$&')} during step 1 \\(it stopped answering and reconnecting failed\\)`));
  });

  test('weights that differ between workers stop the run naming the step', async () => {
    const a = Float32Array.from([1, 2]);
    const b = Float32Array.from([1, 2]);
    const ws = await workers('mismatch', 2, [a, b], 5, [0, 0]);
    // Steps 1..5 agree (the hash is compared at the first step and after step 5).
    for (let t = 1; t <= 5; t++) {
      ws.forEach((w) => w.setBatch(t, {}));
      await Promise.all(ws.map((w) => w.losses(0)));
    }
    b[1] = Math.fround(2 + 2 ** -22); // one bit of one weight on rank 1
    ws.forEach((w) => w.setBatch(6, {}));
    const results = await Promise.allSettled(ws.map((w) => w.losses(0)));
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      const e = (r as PromiseRejectedResult).reason;
      assert.ok(e instanceof ThetaMismatchError);
      assert.match(e.message, /^the weights differ between workers after step 5 \(hashes: rank 0 [0-9a-f]{16}, rank 1 [0-9a-f]{16}\)/);
    }
  });
});

describe('joining a data-parallel run', { skip: redisMissing }, () => {
  let redis: RedisServer;
  before(async () => {
    redis = await startRedisServer();
  });
  after(async () => {
    await redis?.stop();
  });

  test('a rank outside 1..K-1, a taken rank and another protocol version are refused with one clear message each', async () => {
    const { publishRun } = await import('../../runtime/run/data-parallel/run-record');
    const { runFollower } = await import('../../runtime/run/data-parallel/follower');
    const { StepExchange: Exchange } = await import('../../runtime/run/data-parallel/step-exchange');
    const { demoConfig } = await import('./helpers');
    const cmd = await connectRedis(redis.url, { purpose: 'test' });
    try {
      const record = { version: 1, workers: 3, config: demoConfig('mezo'), runDir: '/nowhere/run', fromStep: null, peerTimeoutS: 5, hashEvery: 10, createdAt: new Date().toISOString() };
      await publishRun(cmd, 'r1', record);
      const join = (rank: number, runId = 'r1') => runFollower({ redisUrl: redis.url, runId }, { rank, listener: {}, joinTimeoutS: 5 });
      await assert.rejects(join(0), /--rank 0 is the process that started run "r1" \(train --data-parallel\); join as rank 1\.\.2/);
      await assert.rejects(join(3), /--rank 3: run "r1" has 3 workers, so the ranks that join are 1\.\.2/);
      // Rank 1 held by a live worker.
      const holder = new Exchange(cmd, cmd, 'r1', 1, 3, { peerTimeoutMs: 5000, joinTimeoutMs: 5000 });
      await holder.join();
      await assert.rejects(join(1), /rank 1 of data-parallel run "r1" is already taken \(by \d+@/);
      assert.equal(await cmd.exists('helene:dp:r1:alive:1'), 1, "the refused join left the holder's heartbeat alone");
      await holder.leave();
      await publishRun(cmd, 'r2', { ...record, version: 99 });
      await assert.rejects(join(2, 'r2'), /data-parallel run "r2" speaks protocol version 99, this helene-studio speaks 1: run the same version on every machine/);
    } finally {
      cmd.disconnect();
    }
  });
});
