/**
 * Data-parallel ZO (issue 20 item 3): K workers each evaluate their shard of the batch, exchange the
 * per-example losses through a real Redis, and apply the same update. The run equals the 1-process
 * run of the same config bit for bit: every metric (timing aside) and the final weights and state.
 */
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { demoConfig } from './helpers';
import { redisMissing, startRedisServer, type RedisServer } from './redis-server';
import * as fs from 'node:fs';
import { dataParallelInProcess, sameRun, singleProcess } from './dp-harness';
import { runDataParallel } from '../../runtime/run/data-parallel/coordinator';
import { runFollower } from '../../runtime/run/data-parallel/follower';
import { readRunFolderSync } from '../../runtime/run/run-reader';

const OPTIMIZERS = [
  ['mezo', 'mezo', []],
  ['helene (paper)', 'helene', []],
  ['helene (layerwise preset)', 'helene', ['optimizer.variant="layerwise"', 'optimizer.blocks="auto"', 'optimizer.curvatureFloor=0.1']],
] as const;

describe('data-parallel runs equal the 1-process run', { skip: redisMissing }, () => {
  let redis: RedisServer;
  before(async () => {
    redis = await startRedisServer();
  });
  after(async () => {
    await redis?.stop();
  });

  for (const [label, optimizer, extra] of OPTIMIZERS) {
    test(`${label}: K = 2 and K = 4, bit for bit`, async () => {
      // Batch 6 (K = 4 gives shards of 2, 2, 1, 1 rows) and an eval every 10 steps.
      const overrides = ['steps=30', 'data.batchSize=6', 'evalEvery=10', 'statsEvery=10', 'checkpoint.every=10', ...extra];
      const single = await singleProcess(demoConfig(optimizer, overrides));
      for (const workers of [2, 4]) {
        const dp = await dataParallelInProcess(demoConfig(optimizer, overrides), { workers, redisUrl: redis.url });
        assert.equal(dp.summary.state, 'finished');
        assert.equal(dp.summary.steps, 30);
        assert.deepEqual(sameRun(dp, single), { metrics: true, tensors: true }, `K = ${workers}`);
        const traffic = dp.summary.dataParallel!;
        assert.equal(traffic.workers, workers);
        assert.equal(traffic.perRank.length, workers);
        assert.ok(traffic.totalPerStep > 0);
      }
    });
  }

  test('a follower that cannot build the run (its model file is missing) stops rank 0 at once with its reason', async () => {
    const config = demoConfig('mezo', ['steps=50']);
    const model = config.model.path;
    let follower: Promise<unknown> = Promise.resolve();
    const started = Date.now();
    const run = runDataParallel(config, {
      workers: 2,
      redisUrl: redis.url,
      localRanks: 1,
      peerTimeoutS: 30,
      joinTimeoutS: 600,
      hashEvery: 10,
      listener: {},
      log: () => {},
      onReady: ({ joinUrl }) => {
        // Rank 0 has loaded the model; on the follower's "machine" the file is gone.
        fs.renameSync(model, `${model}.away`);
        const m = /^(.*)\/([^/]+)$/.exec(joinUrl)!;
        follower = runFollower({ redisUrl: m[1]!, runId: m[2]! }, { rank: 1, listener: {}, joinTimeoutS: 600 }).finally(() => fs.renameSync(`${model}.away`, model));
        follower.catch(() => {}); // asserted below, after rank 0's end
      },
    });
    await assert.rejects(run, /^DataParallelError: rank 1 could not start: .*demo-mlp\.onnx.*; the run stopped \(no checkpoint yet: a resume starts again from step 0\)/);
    await assert.rejects(follower);
    // Not the 30 s peer timeout nor the 600 s join timeout: the follower said why.
    assert.ok(Date.now() - started < 20_000);
    const runDir = fs.readdirSync(config.output.runsDir)[0]!;
    assert.equal(readRunFolderSync(`${config.output.runsDir}/${runDir}`).summary?.state, 'failed');
  });
});
