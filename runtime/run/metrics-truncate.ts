/**
 * Resume drops the metric records written after the checkpoint (the resumed run regenerates them
 * bit for bit). metrics.jsonl can be longer than memory allows as one string, so this never
 * rewrites the file: one streaming pass finds the byte offset of the first record to drop, and the
 * file is cut there. Records after that offset that must stay (a `checkpoint` event at the
 * checkpoint's step written after a `stop-requested` event that is dropped) are few; they are
 * written back at the cut.
 *
 * Crash safety: cutting and writing back are two steps, so the plan (offset + the lines to write
 * back) is first saved atomically in metrics.jsonl.cut. Applying the plan is idempotent (the bytes
 * before the offset are never touched), so after a kill at any moment `resumeCut` replays it and
 * the file ends exactly as planned; the plan is removed only once the file is fsynced.
 */
import * as fs from 'node:fs';
import type { MetricRecord } from '../protocol';
import { writeFileAtomic } from './atomic-write';
import { forEachMetricRecord, METRICS_CHUNK_BYTES, rawLineOf, shallowLayers } from './metrics-lines';

interface CutPlan {
  /** metrics.jsonl's size when the plan was made (sanity check on replay). */
  size: number;
  /** Byte offset where the file is cut. */
  cut: number;
  /** Lines written back at the cut (each ending in a newline). */
  text: string;
}

export function cutPlanPath(metricsFile: string): string {
  return `${metricsFile}.cut`;
}

/** Write all of buf at position (a short write is retried until every byte is down). */
function writeAllAt(fd: number, buf: Buffer, position: number): void {
  let done = 0;
  while (done < buf.length) done += fs.writeSync(fd, buf, done, buf.length - done, position + done);
}

function applyPlan(metricsFile: string, plan: CutPlan): void {
  const size = fs.statSync(metricsFile).size;
  if (size < plan.cut) throw new Error(`${metricsFile} is shorter (${size} bytes) than an interrupted resume left it (${plan.cut}); it was changed by something else`);
  const fd = fs.openSync(metricsFile, 'r+');
  try {
    const text = Buffer.from(plan.text, 'utf8');
    writeAllAt(fd, text, plan.cut);
    fs.ftruncateSync(fd, plan.cut + text.length);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.rmSync(cutPlanPath(metricsFile), { force: true });
}

/** Finish a cut that a kill interrupted (no-op when there is none). */
export function resumeCut(metricsFile: string): void {
  let plan: CutPlan;
  try {
    plan = JSON.parse(fs.readFileSync(cutPlanPath(metricsFile), 'utf8')) as CutPlan;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    // A plan is written atomically; an unreadable one was never complete, so the cut never began.
    fs.rmSync(cutPlanPath(metricsFile), { force: true });
    return;
  }
  applyPlan(metricsFile, plan);
}

function endsWithNewline(file: string, size: number): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(1);
    fs.readSync(fd, b, 0, 1, size - 1);
    return b[0] === 0x0a;
  } finally {
    fs.closeSync(fd);
  }
}

export interface CutResult {
  /** Bytes kept before the cut, and records dropped after it. */
  cut: number;
  dropped: number;
  writtenBack: number;
}

/**
 * Keep only the records `keep` accepts, in order, by cutting metrics.jsonl at the first one it
 * refuses. A torn last line is dropped with the rest. Missing file: nothing to do.
 */
/** `keep` sees layers records shallowly (kind and t only; see shallowLayers). */
export function dropMetricsAfter(metricsFile: string, keep: (r: MetricRecord) => boolean): CutResult {
  if (!fs.existsSync(metricsFile)) return { cut: 0, dropped: 0, writtenBack: 0 };
  resumeCut(metricsFile);
  let cut = -1;
  let dropped = 0;
  const back: string[] = [];
  const scan = forEachMetricRecord(metricsFile, ({ record, start }) => {
    if (keep(record)) {
      if (cut >= 0) back.push((rawLineOf(record) ?? JSON.stringify(record)) + '\n');
      return;
    }
    if (cut < 0) cut = start;
    dropped++;
  }, METRICS_CHUNK_BYTES, shallowLayers);
  if (cut < 0 && scan.torn) cut = scan.torn.start;
  if (cut < 0) {
    // Everything is kept; a last line without its newline gets one, or the next append would join it.
    if (scan.bytes > 0 && !endsWithNewline(metricsFile, scan.bytes)) fs.appendFileSync(metricsFile, '\n');
    return { cut: scan.bytes, dropped: 0, writtenBack: 0 };
  }
  const plan: CutPlan = { size: scan.bytes, cut, text: back.join('') };
  if (plan.text) writeFileAtomic(cutPlanPath(metricsFile), JSON.stringify(plan));
  applyPlan(metricsFile, plan);
  return { cut, dropped, writtenBack: back.length };
}
