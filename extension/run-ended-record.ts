/**
 * When the runtime dies without writing its own end (a signal, an out-of-memory kill, a native
 * crash), its status.json still says "running". The run folder is the source of truth, so the
 * supervisor's knowledge goes there: state crashed/failed plus the last stderr lines. A status the
 * runtime already finalised is never overwritten.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunStatus } from '../runtime/protocol';
import { writeJsonAtomic } from '../runtime/run/atomic-write';
import { RUN_FILES } from '../runtime/run/run-folder';
import { isLiveState } from './run-end-from-folder';
import type { RuntimeExit } from './runtime-process';

/** Returns the status written, or null when the folder already had a final one (or none at all). */
export function recordAbnormalEnd(runDir: string, exit: RuntimeExit, now = new Date()): RunStatus | null {
  if (exit.outcome !== 'failed' && exit.outcome !== 'crashed') return null;
  const file = path.join(runDir, RUN_FILES.status);
  let previous: RunStatus;
  try {
    previous = JSON.parse(fs.readFileSync(file, 'utf8')) as RunStatus;
  } catch {
    return null;
  }
  if (!isLiveState(previous.state)) return null;
  const status: RunStatus = {
    ...previous,
    state: exit.outcome,
    updatedAt: now.toISOString(),
    message: exit.message.split('\n')[0],
    error: exit.lastStderr.join('\n') || exit.fatal || undefined,
  };
  writeJsonAtomic(file, status);
  return status;
}
