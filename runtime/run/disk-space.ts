/**
 * Free-space check before a resume: resuming rewrites metrics.jsonl (a full copy, atomically),
 * writes a checkpoint as large as the newest one and holds the disk reserve. On a disk that is
 * still full this refuses at once with what is needed, instead of failing half-way in.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listCheckpoints } from './checkpoint';
import { DISK_RESERVE_BYTES, RUN_FILES } from './run-folder';
import { DiskFaultError } from './disk-fault';

const sizeOf = (file: string): number => {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
};

const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(2)} MiB`;

export function checkResumeSpace(runDir: string): void {
  let free: number;
  try {
    const st = fs.statfsSync(runDir);
    free = st.bavail * st.bsize;
  } catch {
    return; // no statfs here: the writes themselves still fail cleanly
  }
  const newest = listCheckpoints(runDir)[0];
  const checkpoint = newest ? sizeOf(newest.file) : 0;
  const metrics = sizeOf(path.join(runDir, RUN_FILES.metrics));
  // The reserve of the dead run may still be on disk: it is freed and written again.
  const needed = checkpoint + metrics + DISK_RESERVE_BYTES - sizeOf(path.join(runDir, RUN_FILES.reserve));
  if (free < needed) {
    throw new DiskFaultError(
      runDir,
      'ENOSPC',
      `disk full: ${runDir} has ${mib(free)} free; resuming needs ${mib(needed)} (a checkpoint of ${mib(checkpoint)}, a copy of metrics.jsonl of ${mib(metrics)} and a ${DISK_RESERVE_BYTES / 1024} KiB reserve). Free some space and resume again; nothing was changed`,
    );
  }
}
