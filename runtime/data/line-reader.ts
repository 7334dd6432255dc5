/**
 * Streams a file's lines as bytes, in bounded memory: one read chunk plus the current line, never
 * more than `maxLineBytes` of it. A line over the limit is refused as soon as the limit is passed,
 * before anything parses or tokenizes it; its full size is then counted by scanning on to its end
 * without keeping the bytes, so the message can say how big it really is.
 */
import * as fs from 'node:fs';
import { DataError } from './data-error';

const CHUNK_BYTES = 1 << 20;
const NEWLINE = 0x0a;

export class LineTooLongError extends DataError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(
      `${file}:${line}: line is ${formatBytes(bytes)}, over the limit of ${formatBytes(limit)} (data.maxLineBytes = ${limit}); ` +
        `raise data.maxLineBytes (e.g. to ${suggestLimit(bytes)}) or split or shorten the line`,
    );
    this.name = 'LineTooLongError';
  }
}

/** Calls `onLine` with each line's bytes (without the newline) and its 1-based number. */
export function forEachLine(file: string, maxLineBytes: number, onLine: (bytes: Uint8Array, line: number) => void): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(`cannot read dataset ${file}: ${code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'it is a folder, not a file' : (e as Error).message}`);
  }
  try {
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    let parts: Buffer[] = [];
    let partBytes = 0;
    let line = 1;
    let offset = 0;
    const deliver = () => {
      onLine(parts.length === 1 ? parts[0] : Buffer.concat(parts, partBytes), line);
      parts = [];
      partBytes = 0;
      line++;
    };
    for (;;) {
      const n = readChunk(fd, chunk, offset, file);
      if (n === 0) break;
      offset += n;
      let start = 0;
      while (start < n) {
        const nl = chunk.indexOf(NEWLINE, start);
        const end = nl < 0 || nl >= n ? n : nl;
        if (partBytes + (end - start) > maxLineBytes) {
          const seen = partBytes + (end - start);
          throw new LineTooLongError(file, line, nl >= 0 && nl < n ? seen : seen + restOfLine(fd, chunk, offset, file), maxLineBytes);
        }
        // Copy: the chunk buffer is reused by the next read.
        parts.push(Buffer.from(chunk.subarray(start, end)));
        partBytes += end - start;
        if (end === n) break;
        deliver();
        start = end + 1;
      }
    }
    if (partBytes > 0) deliver();
  } finally {
    fs.closeSync(fd);
  }
}

function readChunk(fd: number, chunk: Buffer, position: number, file: string): number {
  try {
    return fs.readSync(fd, chunk, 0, chunk.length, position);
  } catch (e) {
    throw new DataError(`cannot read dataset ${file}: ${(e as Error).message}`);
  }
}

/** Bytes from `offset` up to the next newline (or the end of the file), reading chunk by chunk. */
function restOfLine(fd: number, chunk: Buffer, offset: number, file: string): number {
  let count = 0;
  for (;;) {
    const n = readChunk(fd, chunk, offset + count, file);
    if (n === 0) return count;
    const nl = chunk.indexOf(NEWLINE);
    if (nl >= 0 && nl < n) return count + nl;
    count += n;
  }
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
  if (bytes >= 1 << 10) return `${(bytes / (1 << 10)).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

/** The next power of two at or above the line's size: a limit that admits it. */
function suggestLimit(bytes: number): number {
  return 2 ** Math.ceil(Math.log2(bytes + 1));
}
