/**
 * The data-parallel LossReducer (../loss-reducer.ts): this worker evaluates its shard of the step's
 * batch, the shards' per-example losses are gathered from every worker in rank order (= example
 * order), and the optimizer gets the whole batch's losses, exactly the Float32Array one process
 * would have computed. It reduces them itself (mean over the batch, in example order), so every
 * worker computes the same update and a K-worker run equals a 1-process run bit for bit.
 *
 * Riding on the first pass of a step: the weights hash (at the first step, every `hashEvery` steps,
 * and at the end: a mismatch stops the run naming the step) and stop requests (Ctrl-C on any worker
 * stops every worker after the same step).
 */
import type { DataParallelTraffic as TrafficReport } from '../../protocol';
import type { DataFeeds, TrainingEngine } from '../../engine/training-engine';
import type { TrainableLayer } from '../../optim/optimizer';
import type { LossReducer } from '../loss-reducer';
import { ShardFeeds, shardOf, type Shard } from './shards';
import { thetaHash } from './theta-hash';
import { DataParallelError } from './errors';
import type { RankMessage, StepExchange } from './step-exchange';

/** Weights differ between workers: the run cannot be trusted past this step. */
export class ThetaMismatchError extends DataParallelError {}

export class ShardedLosses implements LossReducer {
  private readonly shards: Shard[];
  private readonly feeds: ShardFeeds;
  private t = 0;
  private pass = 0;
  private firstStep: number | null = null;
  private stepsDone = 0;
  private passesDone = 0;
  private startBytes = { sent: 0, received: 0 };
  private stopWanted = false;
  private finalBytes: RankMessage['bytes'][] | null = null;

  constructor(
    private readonly engine: TrainingEngine,
    private readonly layers: readonly TrainableLayer[],
    private readonly exchange: StepExchange,
    private readonly batchSize: number,
    private readonly hashEvery: number,
    /** Called on every worker when some worker asked to stop: the trainer stops after this step. */
    private readonly onStop: () => void,
  ) {
    this.shards = [...Array(exchange.workers).keys()].map((r) => shardOf(batchSize, exchange.workers, r));
    this.feeds = new ShardFeeds(batchSize, this.shards[exchange.rank]!);
  }

  /** Ask every worker to stop after the current step (sent with this worker's next message). */
  requestStop(): void {
    this.stopWanted = true;
  }

  setBatch(t: number, feeds: DataFeeds): void {
    if (t !== this.t) {
      if (this.firstStep === null) {
        this.firstStep = t;
        this.startBytes = this.exchange.wire.sample();
      } else this.stepsDone++;
      this.t = t;
      this.pass = 0;
    }
    this.engine.setBatch(this.feeds.of(feeds));
  }

  async losses(scale: number): Promise<Float32Array> {
    const out = await this.engine.losses(scale);
    const own = out.slice(this.feeds.offset, this.feeds.offset + this.feeds.shard.end - this.feeds.shard.start);
    const first = this.pass === 0;
    // The weights hash rides on the first pass: theta is then the previous step's result.
    const checkHash = first && (this.t === this.firstStep || (this.t - 1) % this.hashEvery === 0);
    const message = { pass: this.pass++, losses: own, ...(checkHash ? { hash: thetaHash(this.layers) } : {}), ...(first && this.stopWanted ? { stop: true } : {}) };
    const all = await this.exchange.gather(this.t, message);
    this.passesDone++;
    if (checkHash) compareHashes(all, this.t - 1);
    if (first) {
      if (all.some((m) => m.stop)) this.onStop();
      // Every worker has published step t, so all have read step t - 1: its stream can go.
      if (this.exchange.rank === 0 && this.t > 1) this.exchange.dropStep(this.t - 1);
    }
    const global = new Float32Array(this.batchSize);
    for (const m of all) {
      const shard = this.shards[m.rank]!;
      if (m.losses.length !== shard.end - shard.start) throw new DataParallelError(`rank ${m.rank} sent ${m.losses.length} losses for step ${this.t}, expected ${shard.end - shard.start}: the workers do not run the same config`);
      global.set(m.losses, shard.start);
    }
    return global;
  }

  /** The last step is done: compare the final weights and collect every rank's traffic. */
  async finish(t: number): Promise<void> {
    if (this.firstStep !== null && this.t === t) this.stepsDone++;
    const now = this.exchange.wire.sample();
    const bytes = { sent: now.sent - this.startBytes.sent, received: now.received - this.startBytes.received, steps: this.stepsDone };
    const all = await this.exchange.gather(t + 1, { pass: -1, losses: new Float32Array(0), hash: thetaHash(this.layers), bytes });
    compareHashes(all, t);
    this.finalBytes = all.map((m) => m.bytes);
    if (this.exchange.rank === 0) {
      this.exchange.dropStep(t);
      // The others may not have read the final messages yet: that stream goes on its own.
      this.exchange.expireStep(t + 1, 600);
    }
  }

  /** Bytes per step on the wire, every rank's (after finish), else this rank's alone (in summary.json). */
  summary(): { dataParallel: TrafficReport } | null {
    const traffic = this.traffic();
    return traffic ? { dataParallel: traffic } : null;
  }

  traffic(): TrafficReport | null {
    const steps = this.stepsDone;
    if (steps === 0) return null;
    const ranks = this.finalBytes ?? [{ ...this.ownBytes(), steps }];
    const perRank = ranks.map((b, i) => ({
      rank: this.finalBytes ? i : this.exchange.rank,
      sentPerStep: b && b.steps ? b.sent / b.steps : 0,
      receivedPerStep: b && b.steps ? b.received / b.steps : 0,
    }));
    return {
      workers: this.exchange.workers,
      steps,
      perRank,
      totalPerStep: perRank.reduce((a, r) => a + r.sentPerStep + r.receivedPerStep, 0),
      lossBytesPerStep: this.stepsDone ? (4 * this.batchSize * this.passesDone) / this.stepsDone : 0,
    };
  }

  private ownBytes(): { sent: number; received: number } {
    const now = this.exchange.wire.sample();
    return { sent: now.sent - this.startBytes.sent, received: now.received - this.startBytes.received };
  }
}

function compareHashes(all: RankMessage[], step: number): void {
  const reference = all[0]!.hash;
  const differ = all.filter((m) => m.hash !== reference);
  if (differ.length) {
    const list = all.map((m) => `rank ${m.rank} ${m.hash ?? 'none'}`).join(', ');
    throw new ThetaMismatchError(`the weights differ between workers after step ${step} (hashes: ${list}); the run stops: the workers do not compute the same steps (another model file, data file or runtime version on some machine?)`);
  }
}
