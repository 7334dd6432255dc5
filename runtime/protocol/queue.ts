/**
 * The queue contract (issue 20): what a sweep puts on the Redis/BullMQ queue, what workers write back
 * (heartbeats, per-run metric streams) and what the CLI and the extension read. Browser-safe types.
 * QUEUE_SCHEMA is stored in the queue's meta key: a worker or sweep of another schema refuses the queue.
 */
import type { ResolvedConfig } from './config-types';
import type { RuntimeMessage } from './messages';
import type { SweepEntryState, SweepValue } from './records';

export const QUEUE_SCHEMA = 1;

/** One BullMQ job = one run of a sweep. The job id is the run id (adding the same run twice is a no-op). */
export interface RunJobData {
  schema: number;
  sweepId: string;
  runId: string;
  index: number;
  label: string;
  values: Record<string, SweepValue>;
  /** The run's full resolved config (absolute model/data paths: they must exist on every worker). */
  config: ResolvedConfig;
}

/** The sweep-table numbers of a run, computed by the worker from its run folder and returned with the job. */
export interface RunJobResult {
  state: 'finished' | 'stopped' | 'cancelled';
  steps: number;
  totalSteps: number | null;
  trainingPasses: number;
  evalPasses: number;
  finalEvalLoss: number | null;
  bestEvalLoss: number | null;
  accuracy: number | null;
  finalTrainLoss: number | null;
  /** Which worker finished it, and how many times it was resumed after a worker died. */
  worker: string;
  resumedFrom: number[];
}

/** A worker's heartbeat (a Redis key with a short expiry: a dead worker's key disappears). */
export interface QueueWorkerInfo {
  id: string;
  host: string;
  pid: number;
  concurrency: number;
  runsDir: string;
  /** Run ids in hand right now. */
  running: string[];
  startedAt: string;
  beatAt: string;
}

export interface QueueCounts {
  queued: number;
  running: number;
  done: number;
  failed: number;
}

/** One entry of a run's Redis stream: a runtime message as the train child sent it, or a worker note. */
export type RunStreamMessage =
  | RuntimeMessage
  | { type: 'worker'; worker: string; event: 'started' | 'resumed' | 'ended'; step?: number; state?: SweepEntryState; error?: string };
