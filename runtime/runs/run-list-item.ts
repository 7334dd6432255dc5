/** What the runs view lists per folder of the runs directory: a readable run or an unreadable folder with the reason. */
import type { RunState } from '../protocol';

export interface RunListItem {
  kind: 'run';
  /** Folder name (the run id). */
  id: string;
  /** Absolute folder path. */
  dir: string;
  name: string;
  optimizer: string;
  /** File name of the model (the full path is in run.json). */
  model: string;
  /** As displayed: a 'running' run whose owner process is gone reads 'interrupted'. */
  state: RunState;
  step: number;
  totalSteps: number;
  bestEval: { t: number; loss: number; accuracy?: number } | null;
  /** run.json createdAt (ISO). */
  startedAt: string;
  updatedAt: string | null;
  provider: string | null;
  /** Last error lines of a failed run. */
  error: string | null;
  starred: boolean;
  tags: string[];
  notes: string;
  /** Non-fatal oddities (e.g. corrupt metric lines that were skipped). */
  warnings: string[];
  /** Step of the newest checkpoint file, null when there is none (absent in older callers = none). */
  checkpointStep?: number | null;
}

export interface UnreadableRun {
  kind: 'unreadable';
  id: string;
  dir: string;
  reason: string;
}

export type RunListEntry = RunListItem | UnreadableRun;

export const LIVE_STATES: readonly RunState[] = ['starting', 'running', 'paused'];

export function isLive(state: RunState): boolean {
  return LIVE_STATES.includes(state);
}

/**
 * A run that ended before its last step (stopped, failed, crashed, or interrupted by a killed
 * process) and has a checkpoint to continue from: `helene-studio resume` continues it bit-exactly.
 */
export function isResumable(item: RunListItem): boolean {
  return !isLive(item.state) && item.state !== 'finished' && typeof item.checkpointStep === 'number' && item.checkpointStep < item.totalSteps;
}
