/**
 * Every Redis key the queue uses, in one place (docs/scale-out.md lists them). BullMQ keeps its own
 * keys under `helene:runs:*` (prefix `helene`, queue `runs`); ours live beside them.
 */
export const QUEUE_PREFIX = 'helene';
export const QUEUE_NAME = 'runs';

export const queueKeys = {
  /** Hash: schema (QUEUE_SCHEMA of whoever made the queue), createdAt. */
  meta: `${QUEUE_PREFIX}:meta`,
  /** String (JSON): a sweep's plan as submitted (axes, sort, entries), for tables and the extension. */
  sweep: (sweepId: string) => `${QUEUE_PREFIX}:sweep:${sweepId}`,
  /** Set of sweep ids on this queue. */
  sweeps: `${QUEUE_PREFIX}:sweeps`,
  /** String "1" once the sweep was asked to stop: workers stop its runs at a step boundary. */
  sweepStop: (sweepId: string) => `${QUEUE_PREFIX}:sweep:${sweepId}:stop`,
  /** Stream (XADD MAXLEN ~): the run's live messages (manifest, metrics, status, done, worker notes). */
  runStream: (runId: string) => `${QUEUE_PREFIX}:run:${runId}:stream`,
  /** String with expiry: a worker's heartbeat (QueueWorkerInfo JSON). */
  worker: (workerId: string) => `${QUEUE_PREFIX}:worker:${workerId}`,
  workerPattern: `${QUEUE_PREFIX}:worker:*`,
};

/** How long a heartbeat lives without renewal, and how often a worker renews it. */
export const HEARTBEAT_TTL_S = 10;
export const HEARTBEAT_EVERY_MS = 2000;
/** A run stream keeps about this many entries (the run folder keeps everything). */
export const STREAM_MAXLEN = 20000;
