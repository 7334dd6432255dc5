/**
 * A decimated history of metrics.jsonl for the run panel and compare: one streaming pass, bounded
 * memory, output of a few thousand records whatever the run's length. What is kept:
 *   - every event and every eval record (they are few, and summaries/compare need them exact);
 *   - the step records of the full run folded into `buckets` byte ranges of the file: per range the
 *     step of lowest and of highest loss (a spike stays visible), and the last step of the range
 *     (so accounting fields such as forward passes stay continuous), plus the last step before
 *     each eval (so "training passes when the eval was reached" stays exact);
 *   - the newest layers record of each range (the heatmap's shape) ;
 *   - the newest `tail` step/eval/event records and the newest 64 layers records verbatim (full
 *     resolution where the user looks).
 * Kept records are real records in file order, so the webview's view model treats them like any
 * snapshot (RunViewSnapshot, runtime/protocol); `history` on the snapshot says it was decimated.
 * Derived from metrics.jsonl on each open, it can never claim a line that is not in the file.
 */
import type { MetricRecord, RunHistoryInfo } from '../protocol';
import { forEachMetricRecord, METRICS_CHUNK_BYTES, rawLineOf, shallowLayers, type PlacedRecord } from './metrics-lines';
import * as fs from 'node:fs';

export interface HistoryOptions {
  /** Byte ranges the full run is folded into. */
  buckets?: number;
  /** Newest records kept verbatim. */
  tail?: number;
  /** At most this many buckets keep a layers record (evenly spaced): the heatmap's history. */
  layerBuckets?: number;
  chunkBytes?: number;
  /** Only the records this accepts, asked in file order (resumeKeeps: the history before a resume). */
  keep?: (r: MetricRecord) => boolean;
}

/** Newest layers records kept verbatim (each holds every tensor's statistics). */
const LAYER_TAIL = 64;

/**
 * Sized to what the panel draws (webview/panel/decimate.ts: 500 newest points exact and 750 min/max
 * buckets per series; heatmap-model.ts: 300 columns): more is parsed, posted and thrown away. A
 * 100 MB metrics.jsonl gave a 4.9 MB snapshot with 1500 buckets, a 3000-record tail and a layers
 * record per bucket, and the browser's thread stalled for seconds taking it in (e2e scenario g).
 */
export const HISTORY_DEFAULTS = { buckets: 750, tail: 1000, layerBuckets: 300 } as const;

export interface MetricsHistory {
  records: MetricRecord[];
  info: RunHistoryInfo;
}

interface Bucket {
  min?: PlacedRecord;
  max?: PlacedRecord;
  last?: PlacedRecord;
  layers?: PlacedRecord;
}

/** Missing file: an empty history. */
export function readMetricsHistory(file: string, options: HistoryOptions = {}): MetricsHistory {
  const buckets = options.buckets ?? HISTORY_DEFAULTS.buckets;
  const tailSize = options.tail ?? HISTORY_DEFAULTS.tail;
  const layerStride = Math.max(1, Math.ceil(buckets / (options.layerBuckets ?? HISTORY_DEFAULTS.layerBuckets)));
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], info: { totalRecords: 0, keptRecords: 0, tailFrom: 0, decimated: false, tornLine: null } };
    throw e;
  }
  const bytesPerBucket = Math.max(1, Math.ceil(size / buckets));
  const slots = new Map<number, Bucket>();
  const always: PlacedRecord[] = []; // events, evals, and the step before each eval
  const ring: PlacedRecord[] = new Array(tailSize);
  const layerRing: PlacedRecord[] = new Array(LAYER_TAIL);
  let total = 0;
  let ringCount = 0;
  let layerCount = 0;
  let lastStep: PlacedRecord | null = null;
  let lastStepKept = true;
  const scan = forEachMetricRecord(
    file,
    (placed) => {
      if (options.keep && !options.keep(placed.record)) return;
      total++;
      const r = placed.record;
      // Layers records can be large (one entry per tensor): the tail keeps only the newest few.
      if (r.kind === 'layers') layerRing[layerCount++ % LAYER_TAIL] = placed;
      else ring[ringCount++ % tailSize] = placed;
      if (r.kind === 'event' || r.kind === 'eval') {
        if (r.kind === 'eval' && lastStep && !lastStepKept) {
          always.push(lastStep);
          lastStepKept = true;
        }
        always.push(placed);
        return;
      }
      const index = Math.floor(placed.start / bytesPerBucket);
      let b = slots.get(index);
      if (!b) slots.set(index, (b = {}));
      if (r.kind === 'layers') {
        if (index % layerStride === 0) b.layers = placed;
      } else if (r.kind === 'step') {
        lastStep = placed;
        lastStepKept = false;
        b.last = placed;
        // A non-finite loss (written as null) is the spike to show: it holds the max slot for good.
        const lossOf = (p: PlacedRecord | undefined) => (p ? (p.record as { loss: number | null }).loss : null);
        const maxFinite = b.max !== undefined && Number.isFinite(lossOf(b.max));
        if (Number.isFinite(r.loss)) {
          if (!b.min || r.loss < (lossOf(b.min) as number)) b.min = placed;
          if (!b.max || (maxFinite && r.loss > (lossOf(b.max) as number))) b.max = placed;
        } else if (!b.max || maxFinite) {
          b.max = placed;
        }
      }
    },
    options.chunkBytes ?? METRICS_CHUNK_BYTES,
    shallowLayers,
  );
  // Merge by file position, without duplicates.
  const kept = new Map<number, MetricRecord>();
  for (const p of always) kept.set(p.start, p.record);
  for (const b of slots.values()) for (const p of [b.min, b.max, b.last, b.layers]) if (p) kept.set(p.start, p.record);
  const tailCount = Math.min(ringCount, tailSize);
  let tailFrom = Infinity;
  for (let i = ringCount - tailCount; i < ringCount; i++) {
    const p = ring[i % tailSize];
    kept.set(p.start, p.record);
    tailFrom = Math.min(tailFrom, p.record.t);
  }
  for (let i = Math.max(0, layerCount - LAYER_TAIL); i < layerCount; i++) kept.set(layerRing[i % LAYER_TAIL].start, layerRing[i % LAYER_TAIL].record);
  const records = [...kept.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => {
    const raw = rawLineOf(r);
    return raw === undefined ? r : (JSON.parse(raw) as MetricRecord);
  });
  return {
    records,
    info: {
      totalRecords: total,
      keptRecords: records.length,
      tailFrom: tailCount ? tailFrom : 0,
      decimated: records.length < total,
      tornLine: scan.torn?.lineNo ?? null,
    },
  };
}
