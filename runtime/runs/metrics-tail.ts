/**
 * Incremental reader of a live run's metrics.jsonl for the runs view: each refresh reads only the
 * bytes appended since the last one and parses only eval lines (the list needs the best eval and
 * the last step, not 20 000 step records). A last line without its newline is left for the next
 * refresh (it is being written, or was torn by a crash: either way it is not data yet).
 */
import * as fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { METRICS_CHUNK_BYTES } from '../run/metrics-lines';
import type { EvalRecord } from '../protocol';

export class MetricsTail {
  private offset = 0;
  private pending = '';
  private identity = '';
  private decoder = new StringDecoder('utf8');
  bestEval: { t: number; loss: number; accuracy?: number } | null = null;
  lastStep = 0;
  badLines = 0;

  constructor(readonly file: string) {}

  /** Read what was appended; returns false when the file does not exist. */
  refresh(): boolean {
    let st: fs.Stats;
    try {
      st = fs.statSync(this.file);
    } catch {
      return false;
    }
    // A replaced or truncated file (a re-run into the same folder): start over.
    const identity = `${st.dev}:${st.ino}`;
    if (identity !== this.identity || st.size < this.offset) this.reset(identity);
    if (st.size === this.offset) return true;
    // In chunks: the first refresh of a long run reads the whole file, which may not fit one string.
    // The decoder carries a multi-byte character split between two chunks.
    const fd = fs.openSync(this.file, 'r');
    try {
      const buf = Buffer.allocUnsafe(METRICS_CHUNK_BYTES);
      while (this.offset < st.size) {
        const read = fs.readSync(fd, buf, 0, Math.min(buf.length, st.size - this.offset), this.offset);
        if (read === 0) break;
        this.offset += read;
        this.consume(this.pending + this.decoder.write(buf.subarray(0, read)));
      }
    } finally {
      fs.closeSync(fd);
    }
    return true;
  }

  private reset(identity: string): void {
    this.identity = identity;
    this.offset = 0;
    this.pending = '';
    this.decoder = new StringDecoder('utf8');
    this.bestEval = null;
    this.lastStep = 0;
    this.badLines = 0;
  }

  private consume(text: string): void {
    const lines = text.split('\n');
    this.pending = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      // Cheap pre-filter: only eval lines are parsed in full; the step comes from the t field.
      const tMatch = /"t":(\d+)/.exec(line);
      if (tMatch) this.lastStep = Math.max(this.lastStep, Number(tMatch[1]));
      if (!line.includes('"kind":"eval"')) continue;
      try {
        const r = JSON.parse(line) as EvalRecord;
        if (!this.bestEval || r.loss < this.bestEval.loss) {
          this.bestEval = { t: r.t, loss: r.loss, ...(r.accuracy !== undefined ? { accuracy: r.accuracy } : {}) };
        }
      } catch {
        this.badLines++;
      }
    }
  }
}
