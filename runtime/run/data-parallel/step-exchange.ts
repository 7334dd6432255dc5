/**
 * The all-gather of a data-parallel run, over Redis: each worker appends its message for (step t,
 * pass p) to the stream of step t and reads the stream until it holds every rank's message for that
 * pass. The result is ordered by rank, never by arrival, so every worker reduces the same numbers in
 * the same order.
 *
 * Liveness: each worker refreshes a heartbeat key (TTL = the peer timeout). A worker that waits
 * polls, between blocking reads, the heartbeats of the ranks it is missing and the run's abort key:
 * a rank that joined and whose heartbeat expired is dead (PeerLostError); a rank that never joined
 * within the join timeout is reported as such; an abort (another worker failed) ends the wait with
 * that worker's reason. Nothing is polled while messages keep arriving.
 */
import * as os from 'node:os';
import type { Redis } from 'ioredis';
import { dpKeys } from './keys';
import { DataParallelError } from './errors';
import { WireMeter } from './wire-meter';

export interface RankMessage {
  rank: number;
  pass: number;
  /** This rank's shard of per-example losses (float32, little-endian on the wire). */
  losses: Float32Array;
  /** The weights hash, at the steps that compare it. */
  hash?: string;
  /** The rank asks every worker to stop after this step (Ctrl-C). */
  stop?: boolean;
  /** At the end: this rank's wire bytes (sent, received) over its steps. */
  bytes?: { sent: number; received: number; steps: number };
}

export interface ExchangeTiming {
  /** No heartbeat for this long: the worker is dead. */
  peerTimeoutMs: number;
  /** A rank that has not joined after this long is reported missing. */
  joinTimeoutMs: number;
}

/** A worker stopped answering, or never joined: the run cannot go on. */
export class PeerLostError extends DataParallelError {
  constructor(readonly lostRank: number, readonly t: number, readonly why: 'died' | 'never-joined', detail: string) {
    super(detail);
  }
}

/** Another worker failed and said why (the run's abort key). */
export class PeerAbortError extends DataParallelError {}

export class StepExchange {
  private readonly keys;
  private heartbeat: NodeJS.Timeout | null = null;
  /** This worker holds its rank (a refused join must not touch the holder's heartbeat). */
  private joined = false;
  private readonly startedAt = Date.now();
  private streamStep = -1;
  private lastId = '0';
  /** Messages of the current step already read, by pass then rank. */
  private readonly received = new Map<number, Map<number, RankMessage>>();
  readonly wire: WireMeter;
  /** Appended to the message of a lost peer or an abort (rank 0: where the run stopped and how to resume). */
  hint: () => string = () => '';

  constructor(
    private readonly cmd: Redis,
    /** A second connection for the blocking reads (a blocked connection can send nothing else). */
    private readonly reader: Redis,
    readonly runId: string,
    readonly rank: number,
    readonly workers: number,
    private readonly timing: ExchangeTiming,
    /** The Redis URL as it is safe to print (messages). */
    private readonly where = 'Redis',
  ) {
    this.keys = dpKeys(runId);
    this.wire = new WireMeter([cmd, reader]);
  }

  /** Claim the rank and start the heartbeat. Refuses a rank another live worker holds. */
  async join(): Promise<void> {
    const me = `${process.pid}@${os.hostname()}`;
    // The heartbeat and the claim in one transaction: a peer must never see the rank joined but not
    // alive (it would count it as dead). A refused claim only refreshed the holder's heartbeat.
    const replies = await this.cmd.multi().set(this.keys.alive(this.rank), String(process.pid), 'PX', this.timing.peerTimeoutMs).hsetnx(this.keys.joined, String(this.rank), me).exec();
    const claimed = replies?.[1]?.[1] === 1;
    if (!claimed) {
      const holder = await this.cmd.hget(this.keys.joined, String(this.rank));
      throw new DataParallelError(`rank ${this.rank} of data-parallel run "${this.runId}" is already taken (by ${holder}); each worker needs its own --rank 0..${this.workers - 1}`);
    }
    this.joined = true;
    const every = Math.max(100, Math.floor(this.timing.peerTimeoutMs / 4));
    this.heartbeat = setInterval(() => void this.beat().catch(() => {}), every);
    this.heartbeat.unref();
  }

  private beat(): Promise<unknown> {
    return this.cmd.set(this.keys.alive(this.rank), String(process.pid), 'PX', this.timing.peerTimeoutMs);
  }

  /** Publish this rank's message for (t, pass) and wait for every rank's; returns them in rank order. */
  async gather(t: number, message: Omit<RankMessage, 'rank'>): Promise<RankMessage[]> {
    try {
      return await this.gatherOnce(t, message);
    } catch (e) {
      if (e instanceof DataParallelError) throw e;
      // Redis went away (the client gave up reconnecting): say so instead of a client error.
      const why = (e as Error).name === 'MaxRetriesPerRequestError' ? 'it stopped answering and reconnecting failed' : (e as Error).message;
      throw new DataParallelError(`lost the connection to Redis at ${this.where} during step ${t} (${why})${this.hint()}`);
    }
  }

  private async gatherOnce(t: number, message: Omit<RankMessage, 'rank'>): Promise<RankMessage[]> {
    if (t !== this.streamStep) {
      this.streamStep = t;
      this.lastId = '0';
      this.received.clear();
    }
    const key = this.keys.step(t);
    const fields: (string | Buffer)[] = ['r', String(this.rank), 'p', String(message.pass), 'l', Buffer.from(message.losses.buffer, message.losses.byteOffset, message.losses.byteLength)];
    if (message.hash) fields.push('h', message.hash);
    if (message.stop) fields.push('s', '1');
    if (message.bytes) fields.push('b', `${message.bytes.sent},${message.bytes.received},${message.bytes.steps}`);
    await this.cmd.xadd(key, '*', ...fields);
    const pass = message.pass;
    const poll = Math.min(500, Math.max(50, Math.floor(this.timing.peerTimeoutMs / 4)));
    for (;;) {
      const have = this.received.get(pass);
      if (have && have.size === this.workers) {
        this.received.delete(pass);
        return [...have.values()].sort((a, b) => a.rank - b.rank);
      }
      const reply = await this.reader.xreadBuffer('BLOCK', poll, 'STREAMS', key, this.lastId);
      if (reply) {
        for (const [, entries] of reply) {
          for (const [id, flat] of entries) {
            this.lastId = id.toString();
            const m = decode(flat);
            let byRank = this.received.get(m.pass);
            if (!byRank) this.received.set(m.pass, (byRank = new Map()));
            byRank.set(m.rank, m);
          }
        }
      } else {
        await this.checkPeers(t, pass);
      }
    }
  }

  /** Nothing arrived for a while: is everyone we wait for alive, and has nobody aborted? */
  private async checkPeers(t: number, pass: number): Promise<void> {
    const have = this.received.get(pass);
    const missing = [...Array(this.workers).keys()].filter((r) => !have?.has(r));
    const pipe = this.cmd.multi();
    pipe.get(this.keys.abort);
    pipe.hmget(this.keys.joined, ...missing.map(String));
    for (const r of missing) pipe.exists(this.keys.alive(r));
    const out = (await pipe.exec()) ?? [];
    const abort = out[0]?.[1] as string | null;
    if (abort) throw new PeerAbortError(abort + this.hint());
    const joined = (out[1]?.[1] as (string | null)[]) ?? [];
    missing.forEach((r, i) => {
      const alive = out[2 + i]?.[1] === 1;
      if (alive) return;
      if (joined[i]) {
        throw new PeerLostError(r, t, 'died', `rank ${r} (${joined[i]}) stopped answering during step ${t}: no heartbeat for ${this.timing.peerTimeoutMs / 1000} s${this.hint()}`);
      }
      if (Date.now() - this.startedAt > this.timing.joinTimeoutMs) {
        throw new PeerLostError(r, t, 'never-joined', `rank ${r} never joined in ${Math.round(this.timing.joinTimeoutMs / 1000)} s${this.hint()}`);
      }
    });
  }

  /** Tell every worker to stop, with why (the first reason wins). */
  async abort(reason: string): Promise<void> {
    await this.cmd.set(this.keys.abort, reason, 'NX');
  }

  /** Drop step t's stream (every worker has read it once all have published a later step). */
  dropStep(t: number): void {
    void this.cmd.unlink(this.keys.step(t)).catch(() => {});
  }

  /** Let step t's stream expire after `seconds` (when not every worker may have read it yet). */
  expireStep(t: number, seconds: number): void {
    void this.cmd.expire(this.keys.step(t), seconds).catch(() => {});
  }

  /** Rank 0, when the run is over: what is left of it on Redis (record, joins, streams) expires in `seconds`. */
  async retire(seconds: number): Promise<void> {
    const found: string[] = [this.keys.record];
    let cursor = '0';
    do {
      const [next, keys] = await this.cmd.scan(cursor, 'MATCH', this.keys.pattern, 'COUNT', 1000);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
    const pipe = this.cmd.multi();
    for (const key of found) pipe.expire(key, seconds);
    await pipe.exec();
  }

  /** Stop the heartbeat and remove it: this worker is done (a killed one's key expires on its own). */
  async leave(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    if (this.joined) await this.cmd.del(this.keys.alive(this.rank)).catch(() => {});
    this.joined = false;
  }
}

function decode(flat: Buffer[]): RankMessage {
  const m: RankMessage = { rank: -1, pass: -1, losses: new Float32Array(0) };
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = flat[i]!.toString();
    const value = flat[i + 1]!;
    if (name === 'r') m.rank = Number(value.toString());
    else if (name === 'p') m.pass = Number(value.toString());
    else if (name === 'l') m.losses = new Float32Array(new Uint8Array(value).buffer);
    else if (name === 'h') m.hash = value.toString();
    else if (name === 's') m.stop = true;
    else if (name === 'b') {
      const [sent, received, steps] = value.toString().split(',').map(Number);
      m.bytes = { sent: sent!, received: received!, steps: steps! };
    }
  }
  return m;
}
