/**
 * Atomic file replacement: write a temporary file beside the target, fsync it, rename it over the
 * target, fsync the folder. A crash at any point leaves either the old or the new file, never half.
 * On a full disk the kernel writes part of a buffer and reports how much (a short write), so every
 * byte count is checked: the file is complete or the call throws (a DiskFaultError for ENOSPC/EIO).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { asDiskFault, DiskFaultError } from './disk-fault';

/** writeSync until every byte is written; a write that makes no progress is a full disk. */
export function writeAllSync(fd: number, bytes: Uint8Array, file: string): void {
  let done = 0;
  while (done < bytes.length) {
    const n = fs.writeSync(fd, bytes, done, bytes.length - done);
    if (n <= 0) throw new DiskFaultError(file, 'ENOSPC');
    done += n;
  }
}

/** fsync a folder so a rename in it is durable; only "not supported" is tolerated, never EIO. */
export function fsyncDir(dir: string): void {
  let fd: number;
  try {
    fd = fs.openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    fs.fsyncSync(fd);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EISDIR' && code !== 'EPERM') throw asDiskFault(e, dir);
  } finally {
    fs.closeSync(fd);
  }
}

/** Temporary files are named .<target>.<pid>.tmp, so a dead process's leftovers can be found. */
export function tempFileFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
}

export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = tempFileFor(file);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      writeAllSync(fd, bytes, file);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    // Disk full or I/O error: drop the partial temp file; the target is untouched.
    fs.rmSync(tmp, { force: true });
    throw asDiskFault(e, file);
  }
  fsyncDir(path.dirname(file));
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

/** Remove .<name>.<pid>.tmp files of processes that are gone (a kill mid-write leaves them). */
export function removeStaleTempFiles(dir: string, isAlive: (pid: number) => boolean): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = /^\..+\.(\d+)\.tmp$/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || isAlive(pid)) continue;
    fs.rmSync(path.join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}
