/**
 * `train --data-parallel K` and `resume <dir> --data-parallel K`: this process is rank 0. It creates
 * (or reopens) the run folder through its trainer, publishes the run record on Redis (a private local
 * redis-server unless --redis names one), starts the local followers (ranks 1..L-1 as child processes
 * of this CLI, L = --local-ranks, default K), prints the --join URL for the rest, and trains. Only
 * rank 0 writes the run folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { ResolvedConfig, RunSummary } from '../../protocol';
import { Trainer, type TrainerListener } from '../trainer';
import { listCheckpoints } from '../checkpoint';
import { readRunHeaderSync } from '../run-reader';
import { DataParallelError } from './errors';
import { DP_PROTOCOL_VERSION, dpKeys } from './keys';
import { startLocalRedis, type LocalRedis } from './local-redis';
import { joinUrl, publishAbort, publishRun } from './run-record';
import { RankSession, type RankTiming } from './rank-session';

export interface CoordinatorOptions extends RankTiming {
  workers: number;
  /** Redis to use (default: start a private local redis-server for this run). */
  redisUrl?: string;
  /** Ranks 0..localRanks-1 run on this machine (default: all K); the rest join with --join. */
  localRanks?: number;
  resumeDir?: string;
  fromStep?: number;
  listener: TrainerListener;
  /** One line for the user (join URL, follower pids, their exits). */
  log: (line: string) => void;
  /** The command line of a local follower (default: this CLI with train --join <url> --rank r). */
  followerCommand?: (join: string, rank: number) => { command: string; args: string[] } | null;
  /** Called once the run is set up: how to ask every worker to stop after the current step. */
  onReady?: (control: { requestStop(): void; runDir: string; joinUrl: string }) => void;
}

export interface DataParallelResult {
  summary: RunSummary;
  runDir: string;
}

export function checkWorkers(workers: number, batchSize: number): void {
  if (!Number.isInteger(workers) || workers < 1) throw new DataParallelError(`--data-parallel ${workers}: expected a whole number of workers >= 1`);
  if (workers > batchSize) {
    throw new DataParallelError(`--data-parallel ${workers} is more workers than the batch has examples (data.batchSize ${batchSize}): each worker evaluates a share of the batch, so use at most ${batchSize} workers or a larger batch`);
  }
}

export async function runDataParallel(config: ResolvedConfig, options: CoordinatorOptions): Promise<DataParallelResult> {
  const K = options.workers;
  const runConfig = options.resumeDir ? (readRunHeaderSync(options.resumeDir).manifest?.config ?? config) : config;
  checkWorkers(K, runConfig.data.batchSize);
  const localRanks = options.localRanks ?? K;
  if (!Number.isInteger(localRanks) || localRanks < 1 || localRanks > K) throw new DataParallelError(`--local-ranks ${localRanks}: expected 1..${K} (rank 0 always runs here)`);
  let local: LocalRedis | null = null;
  let session: RankSession | null = null;
  let trainer: Trainer | null = null;
  const children: ChildProcess[] = [];
  let running = true;
  try {
    if (!options.redisUrl) local = await startLocalRedis();
    const redisUrl = options.redisUrl ?? local!.url;
    session = await RankSession.connect(redisUrl, '--redis');
    trainer = await Trainer.create(config, options.listener, {
      resumeDir: options.resumeDir,
      fromStep: options.fromStep,
      lossReducer: session.lossReducer(runConfig.data.batchSize, options.hashEvery, () => trainer),
    });
    const runId = trainer.manifest.id;
    const runDir = trainer.runDir;
    await publishRun(session.cmd, runId, {
      version: DP_PROTOCOL_VERSION,
      workers: K,
      config: trainer.config,
      runDir,
      fromStep: trainer.currentStep > 0 ? trainer.currentStep : null,
      peerTimeoutS: options.peerTimeoutS,
      hashEvery: options.hashEvery,
      createdAt: new Date().toISOString(),
    });
    session.hint = () => {
      const last = listCheckpoints(runDir)[0];
      return `; the run stopped${last ? ` (its last checkpoint is step ${last.step})` : ' (no checkpoint yet: a resume starts again from step 0)'}: continue it with helene-studio resume ${runDir} --data-parallel <K>`;
    };
    await session.open(runId, 0, K, options);
    const join = joinUrl(redisUrl, runId);
    for (let r = 1; r < localRanks; r++) {
      const cmd = (options.followerCommand ?? defaultFollowerCommand)(join, r);
      if (!cmd) continue;
      const child = spawn(cmd.command, cmd.args, { stdio: ['ignore', 'ignore', 'inherit'] });
      children.push(child);
      // A local worker that ends before it joined (it could not start) would be waited for until the
      // join timeout: stop the run now. One that joined and then dies is seen by its heartbeat.
      child.once('exit', (code, signal) => {
        if (running) void session!.cmd.hexists(dpKeys(runId).joined, String(r)).then((joined) => {
          if (!joined && running) return publishAbort(session!.cmd, runId, `rank ${r} (local worker pid ${child.pid}) exited (${signal ?? `code ${code}`}) before it joined the run`);
        }).catch(() => {});
      });
      options.log(`rank ${r}: local worker pid ${child.pid}`);
    }
    if (localRanks < K) options.log(`waiting for ranks ${localRanks}..${K - 1}: on each machine run  helene-studio train --join ${join} --rank <r>`);
    options.onReady?.({ requestStop: () => session!.requestStop(), runDir, joinUrl: join });
    const summary = await session.run(trainer, 0);
    return { summary, runDir };
  } finally {
    running = false;
    await session?.close();
    await Promise.all(children.map((c) => exited(c, 30_000)));
    await trainer?.close();
    await local?.stop();
  }
}

/** A local follower is quiet: rank 0 speaks for the run (a follower still prints its own failures). */
function defaultFollowerCommand(join: string, rank: number): { command: string; args: string[] } {
  return { command: process.execPath, args: [...process.execArgv, process.argv[1]!, 'train', '--join', join, '--rank', String(rank), '--quiet'] };
}

/** Wait for a child to end (it stops on its own once the run ends or fails); kill it after `ms`. */
function exited(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
