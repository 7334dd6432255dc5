/**
 * A run on a queue worker, mirrored from its Redis stream for the run panel when its folder is not on
 * this machine (vscode-free). `applyStreamMessage` folds stream messages into a snapshot; a resume on
 * another worker (a `worker resumed` note at step S) drops what came after S, as resume does on disk,
 * since the resumed run sends those steps again. RemoteRunMirror follows the stream live.
 */
import type { Redis } from 'ioredis';
import type { MetricRecord, RunStatus, RunStreamMessage, RunSummary, RunViewSnapshot } from '../../runtime/protocol';
import { connectRedis } from '../../runtime/queue/redis-connection';
import { readRunMessages } from '../../runtime/queue/run-stream';
import { TypedEvents } from '../typed-events';
import type { RuntimeExit } from '../runtime-process';

export interface MirrorState {
  snapshot: RunViewSnapshot;
  /** Set once the run ended on its worker (finished, stopped, failed for good, or cancelled). */
  ended: RuntimeExit | null;
}

export function emptyMirror(): MirrorState {
  return { snapshot: { manifest: null, status: null, records: [], summary: null }, ended: null };
}

function exitOf(outcome: RuntimeExit['outcome'], summary: RunSummary | null, message: string): RuntimeExit {
  return { outcome, code: null, signal: null, summary, fatal: null, lastStderr: [], message } as RuntimeExit;
}

/** Fold one message in; returns the records it appended (for live appends), if any. */
export function applyStreamMessage(state: MirrorState, m: RunStreamMessage): MetricRecord[] {
  const s = state.snapshot;
  switch (m.type) {
    case 'manifest':
      s.manifest = m.manifest;
      return [];
    case 'metrics':
      s.records.push(...m.records);
      return m.records;
    case 'status':
      s.status = m.status;
      return [];
    case 'done':
      s.summary = m.summary;
      state.ended = exitOf(m.summary.state === 'finished' ? 'finished' : m.summary.state === 'failed' ? 'failed' : 'stopped', m.summary, `run ${m.summary.state}`);
      return [];
    case 'worker':
      if (m.event === 'resumed' && m.step !== undefined) {
        const step = m.step;
        s.records = s.records.filter((r) => !('t' in r) || (r as { t: number }).t <= step);
        state.ended = null;
      } else if (m.event === 'ended' && m.state === 'failed' && !/killed by/.test(m.error ?? '')) {
        state.ended = exitOf('failed', s.summary, m.error ?? 'failed');
      } else if (m.event === 'ended' && m.state === 'cancelled') {
        state.ended = exitOf('stopped', s.summary, 'cancelled: the sweep was stopped');
      }
      return [];
    default:
      return [];
  }
}

export interface RemoteRunEvents extends Record<string, unknown> {
  records: MetricRecord[];
  status: RunStatus;
  /** The snapshot changed in a way appends cannot express (a resume dropped records): resend it. */
  history: RemoteRunMirror;
  ended: RuntimeExit;
}

export class RemoteRunMirror {
  readonly events = new TypedEvents<RemoteRunEvents>();
  private readonly state = emptyMirror();
  private client: Redis | null = null;
  private closed = false;

  constructor(readonly queueUrl: string, readonly runId: string) {}

  get name(): string {
    return this.state.snapshot.manifest?.name ?? this.runId;
  }

  /** Live while the run has not ended on its worker (the panel shows it as running). */
  get live(): boolean {
    return !this.state.ended;
  }

  snapshot(): RunViewSnapshot {
    const s = this.state.snapshot;
    return { ...s, records: [...s.records] };
  }

  /** Read what the stream holds, then follow it; resolves once the first read is in (or rejects with the connection error). */
  async start(): Promise<void> {
    this.client = await connectRedis(this.queueUrl, { purpose: `the run panel of ${this.runId}` });
    let lastId = await this.pump('0', 0);
    void (async () => {
      while (!this.closed) {
        try {
          lastId = await this.pump(lastId, 1000);
        } catch {
          if (!this.closed) await new Promise((r) => setTimeout(r, 1000));
        }
      }
    })();
  }

  private async pump(from: string, blockMs: number): Promise<string> {
    const batch = await readRunMessages(this.client!, this.runId, from, blockMs);
    for (const m of batch.messages) {
      const wasEnded = this.state.ended;
      const before = this.state.snapshot.records.length;
      const appended = applyStreamMessage(this.state, m);
      if (this.state.snapshot.records.length < before) this.events.emit('history', this);
      else if (appended.length) this.events.emit('records', appended);
      if (m.type === 'status') this.events.emit('status', m.status);
      if (!wasEnded && this.state.ended) this.events.emit('ended', this.state.ended);
    }
    return batch.lastId;
  }

  close(): void {
    this.closed = true;
    this.client?.disconnect();
    this.events.clear();
  }
}
