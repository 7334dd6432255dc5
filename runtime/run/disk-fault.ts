/**
 * A write the disk refused: full (ENOSPC, EDQUOT) or failing (EIO). Raised by every run-folder
 * write so the trainer can end the run cleanly (status "failed", one clear message naming the
 * file and the last complete checkpoint) instead of a stack trace and a half-written state.
 */
const DISK_CODES = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EFBIG']);

export class DiskFaultError extends Error {
  constructor(readonly file: string, readonly code: string, message?: string) {
    super(message ?? `${code === 'EIO' ? 'I/O error' : 'disk full'} writing ${file}`);
    this.name = 'DiskFaultError';
  }
}

export function isDiskFault(e: unknown): boolean {
  return e instanceof DiskFaultError || DISK_CODES.has((e as NodeJS.ErrnoException)?.code ?? '');
}

/** Re-throw a disk fault as a DiskFaultError naming the file; anything else unchanged. */
export function asDiskFault(e: unknown, file: string): unknown {
  if (e instanceof DiskFaultError || !isDiskFault(e)) return e;
  return new DiskFaultError(file, (e as NodeJS.ErrnoException).code!);
}
