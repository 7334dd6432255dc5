/**
 * A real small filesystem for disk-full tests: a tmpfs mounted by the test (root only). A refused
 * mount fails the test with the reason; it never skips. fillLeaving() writes a filler file so that
 * exactly the wanted number of bytes stays free (tmpfs counts whole 4 KiB pages).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const PAGE = 4096;

export function mountTmpfs(sizeKiB: number): { dir: string; unmount(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    const why = (e as { stderr?: Buffer }).stderr?.toString().trim() || (e as Error).message;
    throw new Error(`could not mount a ${sizeKiB} KiB tmpfs at ${dir} (${why}): the disk-full tests need root to make a real small filesystem`);
  }
  return {
    dir,
    unmount() {
      execFileSync('umount', [dir], { stdio: 'pipe' });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function freeBytes(dir: string): number {
  const st = fs.statfsSync(dir);
  return st.bavail * st.bsize;
}

/** Pages an append of `bytes` to a file of `size` bytes needs. */
export function pagesFor(size: number, bytes: number): number {
  return Math.ceil((size + bytes) / PAGE) - Math.ceil(size / PAGE);
}

/** Fill `dir` so that exactly `leave` bytes (a multiple of a page) stay free. */
export function fillLeaving(dir: string, leave: number, name = 'filler'): string {
  const file = path.join(dir, name);
  const bytes = freeBytes(dir) - leave;
  if (bytes < 0) throw new Error(`only ${freeBytes(dir)} bytes free, cannot leave ${leave}`);
  fs.writeFileSync(file, Buffer.alloc(bytes, 1));
  if (freeBytes(dir) !== leave) throw new Error(`filler left ${freeBytes(dir)} bytes free, wanted ${leave}`);
  return file;
}

/** Grow (or shrink) a mounted tmpfs in place: "the user freed space" without touching its files. */
export function remountTmpfs(dir: string, sizeKiB: number): void {
  execFileSync('mount', ['-o', `remount,size=${sizeKiB}k`, dir], { stdio: 'pipe' });
}
