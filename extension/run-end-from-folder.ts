/**
 * A run's end as its folder records it. The runtime writes summary.json and its final status.json
 * before it sends its last IPC messages (runtime/run/trainer.ts, finish), so when a runtime exits
 * cleanly (code 0) but the final 'status' or 'done' never reached the extension host, the folder
 * still says how the run ended: the panel and the status bar show that, never a stale "running".
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunState, RunStatus, RunSummary } from '../runtime/protocol';
import { RUN_FILES } from '../runtime/run/run-folder';

const LIVE_STATES: readonly RunState[] = ['starting', 'running', 'paused'];

export function isLiveState(state: RunState): boolean {
  return LIVE_STATES.includes(state);
}

function readObject(file: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : null;
  } catch {
    return null; // missing or half-written: the caller falls back to what it knows
  }
}

/** summary.json, or null when it is missing, unreadable or not a summary. */
export function readFinalSummary(runDir: string): RunSummary | null {
  const s = readObject(path.join(runDir, RUN_FILES.summary));
  return s && typeof s.state === 'string' && typeof s.steps === 'number' ? (s as unknown as RunSummary) : null;
}

/** status.json when it holds an end (finished, stopped, failed...); null while it still says a live state. */
export function readFinalStatus(runDir: string): RunStatus | null {
  const s = readObject(path.join(runDir, RUN_FILES.status));
  return s && typeof s.state === 'string' && typeof s.step === 'number' && !isLiveState(s.state as RunState) ? (s as unknown as RunStatus) : null;
}
