/**
 * Streaming reader of metrics.jsonl: the file is read in fixed-size chunks and split at newline
 * bytes, so memory is one chunk plus the longest line whatever the file's length (a long run's
 * metrics pass 512 MiB, the most V8 can hold as one string, and reading it whole took seconds and
 * gigabytes). Lines are decoded only once complete, so a multi-byte UTF-8 character split across two
 * chunks decodes correctly. Every reader of metrics.jsonl goes through here (docs/run-folder.md).
 *
 * A last line without its newline is a line being written, or torn by a kill mid-append: it is
 * passed on when it parses, otherwise ignored and reported as `torn`. An unparsable line with more
 * lines after it is corruption, reported as "metrics.jsonl line N: …".
 */
import * as fs from 'node:fs';
import type { MetricRecord } from '../protocol';

/** Bytes read per chunk (tests pass tiny ones to put chunk boundaries everywhere). */
export const METRICS_CHUNK_BYTES = 1 << 20;

export interface MetricLine {
  text: string;
  /** Byte offset of the line's first byte, and of the byte after its newline (or end of file). */
  start: number;
  end: number;
  /** 1-based line number. */
  lineNo: number;
  /** False for a last line without a newline. */
  complete: boolean;
}

export interface LineScan {
  /** Bytes scanned (the file's size when the scan ran to the end). */
  bytes: number;
  lines: number;
  /** The largest buffer the scan held: one chunk, or the longest line when that is longer. */
  peakBufferBytes: number;
}

/**
 * Call onLine for every line of the file, in order; onLine returning false stops the scan.
 * Missing file: ENOENT is thrown as by fs (callers decide whether that means "no metrics yet").
 */
export function forEachLine(file: string, onLine: (line: MetricLine) => boolean | void, chunkBytes = METRICS_CHUNK_BYTES): LineScan {
  const fd = fs.openSync(file, 'r');
  const chunk = Buffer.allocUnsafe(chunkBytes);
  // Bytes of a line started in an earlier chunk (only when a line is longer than what remains of a chunk).
  let carry: Buffer[] = [];
  let carryBytes = 0;
  let offset = 0; // file offset of chunk[0]
  let lineStart = 0; // file offset of the current line's first byte
  let lineNo = 0;
  let peak = chunkBytes;
  let stopped = false;
  try {
    for (;;) {
      const read = fs.readSync(fd, chunk, 0, chunkBytes, offset);
      if (read === 0) break;
      let from = 0;
      while (from < read) {
        const nl = chunk.indexOf(0x0a, from);
        if (nl === -1 || nl >= read) {
          // Copy: the chunk buffer is reused by the next read.
          carry.push(Buffer.from(chunk.subarray(from, read)));
          carryBytes += read - from;
          peak = Math.max(peak, carryBytes + chunkBytes);
          break;
        }
        const piece = chunk.subarray(from, nl);
        const text = carryBytes ? Buffer.concat([...carry, piece]).toString('utf8') : piece.toString('utf8');
        carry = [];
        carryBytes = 0;
        const end = offset + nl + 1;
        if (onLine({ text, start: lineStart, end, lineNo: ++lineNo, complete: true }) === false) {
          stopped = true;
          return { bytes: end, lines: lineNo, peakBufferBytes: peak };
        }
        lineStart = end;
        from = nl + 1;
      }
      offset += read;
    }
    if (carryBytes && !stopped) {
      onLine({ text: Buffer.concat(carry).toString('utf8'), start: lineStart, end: offset, lineNo: ++lineNo, complete: false });
    }
    return { bytes: offset, lines: lineNo, peakBufferBytes: peak };
  } finally {
    fs.closeSync(fd);
  }
}

export interface RecordScan extends LineScan {
  /** A torn last line that was ignored: its line number and byte offset (where a clean file ends). */
  torn: { lineNo: number; start: number } | null;
}

/** A metric record with where its line sits in the file. */
export interface PlacedRecord {
  record: MetricRecord;
  start: number;
  end: number;
  lineNo: number;
}

/**
 * Parse every record of metrics.jsonl in order (blank lines skipped). onRecord returning false
 * stops the scan. Throws "<file> line N: …" for a corrupt line that is not the last one.
 */
export function forEachMetricRecord(
  file: string,
  onRecord: (placed: PlacedRecord) => boolean | void,
  chunkBytes = METRICS_CHUNK_BYTES,
  /** A cheaper parse for lines the caller only needs in part (returns undefined to parse in full). */
  shallow?: (text: string) => MetricRecord | undefined,
): RecordScan {
  // A line that does not parse is only an error once another non-blank line follows it.
  let bad: { lineNo: number; start: number; message: string } | null = null;
  const scan = forEachLine(
    file,
    (line) => {
      if (!line.text.trim()) return;
      if (bad) throw new Error(`metrics.jsonl line ${bad.lineNo}: ${bad.message}`);
      let record: MetricRecord;
      try {
        record = shallow?.(line.text) ?? (JSON.parse(line.text) as MetricRecord);
      } catch (e) {
        bad = { lineNo: line.lineNo, start: line.start, message: (e as Error).message };
        return;
      }
      return onRecord({ record, start: line.start, end: line.end, lineNo: line.lineNo });
    },
    chunkBytes,
  );
  const torn = bad as { lineNo: number; start: number } | null;
  return { ...scan, torn: torn ? { lineNo: torn.lineNo, start: torn.start } : null };
}

const RAW = Symbol('raw line');
type Shallow = MetricRecord & { [RAW]: string };

/**
 * Layers records are most of a long file's bytes and most passes need only their step: read just
 * `kind` and `t` (the runtime writes them first) and keep the line (rawLineOf) to parse if needed.
 * A line this does not recognise returns undefined and is parsed in full, so a differently ordered
 * line is still read correctly. Pass as forEachMetricRecord's `shallow`.
 */
export function shallowLayers(text: string): MetricRecord | undefined {
  if (!text.startsWith('{"kind":"layers","t":')) return undefined;
  const t = Number(/^\{"kind":"layers","t":(\d+)[,}]/.exec(text)?.[1]);
  if (!Number.isFinite(t)) return undefined;
  return { kind: 'layers', t, layers: [], [RAW]: text } as Shallow;
}

/** The line a shallow record was read from (undefined for a fully parsed record). */
export function rawLineOf(record: MetricRecord): string | undefined {
  return (record as Partial<Shallow>)[RAW];
}

/** Every record, in order (for small files: demos, tests). Missing file: []. */
export function readAllMetricRecords(file: string): MetricRecord[] {
  const out: MetricRecord[] = [];
  try {
    forEachMetricRecord(file, ({ record }) => void out.push(record));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return out;
}
