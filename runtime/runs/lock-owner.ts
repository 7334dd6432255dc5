/**
 * Whether the process named in a run folder's run.lock is alive. (run-reader.ts has the same test
 * privately; this one is separate so the runs view can ask without reading the whole folder.)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RUN_FILES } from '../run/run-folder';

export function lockOwnerAlive(dir: string): boolean {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(dir, RUN_FILES.lock), 'utf8').trim());
  } catch {
    return false;
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
