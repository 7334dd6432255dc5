/**
 * What every rank does around its trainer: two Redis connections (commands, and blocking reads),
 * the step exchange, the LossReducer the trainer asks for, a stop request, and on failure an abort
 * that tells the other workers why. Rank 0 (coordinator.ts) and the followers (follower.ts) both
 * run their trainer through this.
 */
import type { Redis } from 'ioredis';
import { connectRedis, parseRedisUrl } from '../../queue/redis-connection';
import type { RunSummary } from '../../protocol';
import type { Trainer } from '../trainer';
import type { LossReducerFactory } from '../loss-reducer';
import { ShardedLosses } from './sharded-losses';
import { PeerAbortError, PeerLostError, StepExchange } from './step-exchange';

export interface RankTiming {
  peerTimeoutS: number;
  /** How long the workers wait for every rank's first message (remote workers take a while to start). */
  joinTimeoutS: number;
  hashEvery: number;
}

export class RankSession {
  private reducer: ShardedLosses | null = null;
  private stopEarly = false;
  exchange: StepExchange | null = null;
  /** Appended to the message of a lost peer or an abort (rank 0: where the run stopped and how to resume). */
  hint: () => string = () => '';

  private constructor(readonly cmd: Redis, readonly reader: Redis, readonly display: string) {}

  static async connect(redisUrl: string, where: string): Promise<RankSession> {
    const display = parseRedisUrl(redisUrl, where).display;
    const cmd = await connectRedis(redisUrl, { purpose: 'the data-parallel run' });
    try {
      // The blocking reads: a dropped connection is retried a few times (reconnecting), then the run
      // fails with "lost the connection to Redis" instead of waiting forever.
      const reader = await connectRedis(redisUrl, { purpose: 'the data-parallel run' });
      return new RankSession(cmd, reader, display);
    } catch (e) {
      cmd.disconnect();
      throw e;
    }
  }

  /** The factory the trainer calls when its run starts (the exchange is open by then). */
  lossReducer(batchSize: number, hashEvery: number, trainer: () => Trainer | null): LossReducerFactory {
    return (engine, layers) => {
      if (!this.exchange) throw new Error('data-parallel: the step exchange is not open');
      this.reducer = new ShardedLosses(engine, layers, this.exchange, batchSize, hashEvery, () => trainer()?.stop());
      if (this.stopEarly) this.reducer.requestStop();
      return this.reducer;
    };
  }

  async open(runId: string, rank: number, workers: number, timing: RankTiming): Promise<void> {
    this.exchange = new StepExchange(this.cmd, this.reader, runId, rank, workers, { peerTimeoutMs: timing.peerTimeoutS * 1000, joinTimeoutMs: timing.joinTimeoutS * 1000 }, this.display);
    this.exchange.hint = () => this.hint();
    await this.exchange.join();
  }

  /** Ctrl-C: every worker stops after the same step (the request travels with the next message). */
  requestStop(): void {
    this.stopEarly = true;
    this.reducer?.requestStop();
  }

  /** Run the trainer; a failure is published (the others stop with it) and re-thrown with the hint. */
  async run(trainer: Trainer, rank: number): Promise<RunSummary> {
    try {
      return await trainer.run();
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      // A lost peer was seen here first: say which; any other failure is this rank's own.
      if (!(e instanceof PeerAbortError)) await this.exchange?.abort(e instanceof PeerLostError ? message : `rank ${rank} failed: ${message}`).catch(() => {});
      throw e;
    }
  }

  async close(): Promise<void> {
    await this.exchange?.leave();
    // Rank 0 ends the run: its keys go after a while (late readers still find the final messages).
    if (this.exchange?.rank === 0) await this.exchange.retire(600).catch(() => {});
    this.cmd.disconnect();
    this.reader.disconnect();
  }
}
