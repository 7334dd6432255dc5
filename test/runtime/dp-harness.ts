/**
 * Data-parallel runs inside one test process: rank 0 through runDataParallel (no spawned
 * followers), ranks 1..K-1 through runFollower, all against a test redis-server; and the
 * 1-process run of the same config to compare with.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MetricRecord, ResolvedConfig, RunSummary } from '../../runtime/protocol';
import { Trainer } from '../../runtime/run/trainer';
import { runDataParallel } from '../../runtime/run/data-parallel/coordinator';
import { runFollower } from '../../runtime/run/data-parallel/follower';
import { readRunFolderSync } from '../../runtime/run/run-reader';
import { comparable, latestCheckpointTensors } from './helpers';

export interface RunResult {
  summary: RunSummary;
  runDir: string;
  records: MetricRecord[];
  tensors: Map<string, Buffer>;
}

function result(summary: RunSummary, runDir: string): RunResult {
  return { summary, runDir, records: readRunFolderSync(runDir).records, tensors: latestCheckpointTensors(runDir) };
}

export async function singleProcess(config: ResolvedConfig): Promise<RunResult> {
  const trainer = await Trainer.create(config);
  try {
    return result(await trainer.run(), trainer.runDir);
  } finally {
    await trainer.close();
  }
}

export interface DpRunOptions {
  workers: number;
  redisUrl: string;
  resumeDir?: string;
  peerTimeoutS?: number;
  hashEvery?: number;
}

export async function dataParallelInProcess(config: ResolvedConfig, o: DpRunOptions): Promise<RunResult> {
  const followers: Promise<RunSummary>[] = [];
  const run = runDataParallel(config, {
    workers: o.workers,
    redisUrl: o.redisUrl,
    localRanks: 1,
    resumeDir: o.resumeDir,
    peerTimeoutS: o.peerTimeoutS ?? 5,
    joinTimeoutS: 60,
    hashEvery: o.hashEvery ?? 10,
    listener: {},
    log: () => {},
    onReady: ({ joinUrl }) => {
      const m = /^(.*)\/([^/]+)$/.exec(joinUrl)!;
      for (let r = 1; r < o.workers; r++) followers.push(runFollower({ redisUrl: m[1]!, runId: decodeURIComponent(m[2]!) }, { rank: r, listener: {}, joinTimeoutS: 60 }));
    },
  });
  const { summary, runDir } = await run;
  await Promise.all(followers);
  return result(summary, runDir);
}

/** Same metrics (timing aside) and the same final weights and optimizer state, bit for bit. */
export function sameRun(a: RunResult, b: RunResult): { metrics: boolean; tensors: boolean } {
  const metrics = JSON.stringify(comparable(a.records)) === JSON.stringify(comparable(b.records));
  const keys = [...a.tensors.keys()];
  const tensors = keys.length === b.tensors.size && keys.every((k) => b.tensors.get(k)?.equals(a.tensors.get(k)!));
  return { metrics, tensors };
}

export function runFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}
