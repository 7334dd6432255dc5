/**
 * The Redis keys of one data-parallel run (all under helene:dp:<run id>), and the run's record.
 * The record is what `--join` reads: the protocol version, the worker count, the resolved config and
 * where rank 0's run folder is.
 */
import type { ResolvedConfig } from '../../protocol';

/** Bumped when the messages or keys change: a worker of another version is refused at join. */
export const DP_PROTOCOL_VERSION = 1;

export const dpKeys = (runId: string) => {
  const base = `helene:dp:${runId}`;
  return {
    /** Hash: the run record (DataParallelRecord, as JSON in field "record"). */
    record: base,
    /** Hash rank -> "pid@host": who joined (kept), so a missing heartbeat means death, not lateness. */
    joined: `${base}:joined`,
    /** String with a TTL, refreshed while the worker lives. */
    alive: (rank: number) => `${base}:alive:${rank}`,
    /** Stream of step t: every worker's per-example losses (and at some steps its weights hash). */
    step: (t: number) => `${base}:step:${t}`,
    /** String: why the run stopped early (a worker failed or lost a peer): the others stop too. */
    abort: `${base}:abort`,
    /** Everything of this run (SCAN pattern), cleared before a run (or a resume) starts. */
    pattern: `${base}:*`,
  };
};

export interface DataParallelRecord {
  version: number;
  workers: number;
  /** The resolved config every worker trains (paths absolute: the model and data must be at the same paths). */
  config: ResolvedConfig;
  /** Rank 0's run folder: a resume's checkpoint is read from it. */
  runDir: string;
  /** A resume: the checkpoint step every worker starts from (null: step 0). */
  fromStep: number | null;
  /** Seconds without a heartbeat after which a worker counts as dead. */
  peerTimeoutS: number;
  /** Compare the weights hash every this many steps (and at the first and last step). */
  hashEvery: number;
  createdAt: string;
}
