/**
 * Fixed-size training batches in seeded epoch order (text: each padded to its own longest example).
 * Batches may straddle epochs so every step sees exactly B examples; buffers and ORT tensors are
 * allocated once and refilled (no per-step allocation).
 * The cursor (epoch, position) is all the state there is, so a checkpoint can restore it exactly.
 */
import * as ort from 'onnxruntime-node';
import type { Dataset } from './dataset';
import { epochPermutation } from './shuffle';
import { batchWidth, type SequenceLayout } from './batch-padding';
import { bucketByLength } from './length-buckets';

export interface BatchCursor {
  epoch: number;
  position: number;
}

export class TrainBatcher {
  private order: Uint32Array;
  private readonly buffers: (Float32Array | BigInt64Array)[];
  /** Feeds at the dataset's width; with a sequence layout, narrower batches get their own (cached) feeds. */
  readonly feeds: Record<string, ort.Tensor> = {};
  private readonly feedsByWidth = new Map<number, Record<string, ort.Tensor>>();
  private readonly picked: Uint32Array;
  /**
   * Each column's values in the feed's element type, made once: int64 columns (stored as float64 in
   * the Dataset) become BigInt64Arrays, so filling a batch is a memcpy per example instead of a
   * BigInt per element (one heap object each: 4,096 a step at 32 × 64 × 2). Costs one more copy of
   * the int64 columns (8 bytes per value, as large as the Dataset's own).
   */
  private readonly sources: (Float32Array | BigInt64Array)[];
  private currentWidth: number | null;
  cursor: BatchCursor = { epoch: 0, position: 0 };

  /**
   * With `layout` (batch-padding.ts), each batch is padded to its own longest example; without, to
   * the dataset's width. The data order is the same either way.
   */
  constructor(
    private readonly data: Dataset,
    readonly batchSize: number,
    private readonly seed: number,
    private readonly shuffle: boolean,
    private readonly layout: SequenceLayout | null = null,
    /** data.bucketByLength (length-buckets.ts); needs `layout`. */
    private readonly bucket = false,
  ) {
    this.order = this.epochOrder(0);
    this.picked = new Uint32Array(batchSize);
    this.sources = data.columns.map((c) => (c.spec.type === 'float32' ? (c.values as Float32Array) : BigInt64Array.from(c.values, (v) => BigInt(v))));
    this.buffers = data.columns.map((c) => (c.spec.type === 'float32' ? new Float32Array(batchSize * c.spec.width) : new BigInt64Array(batchSize * c.spec.width)));
    data.columns.forEach((c, i) => {
      this.feeds[c.spec.name] = new ort.Tensor(c.spec.type, this.buffers[i], [batchSize, ...c.spec.exampleShape]);
    });
    this.currentWidth = layout ? layout.width : null;
    if (layout) this.feedsByWidth.set(layout.width, this.feeds);
  }

  /** Sequence width of the current batch with per-batch padding; null without a layout. */
  get width(): number | null {
    return this.currentWidth;
  }

  setCursor(cursor: BatchCursor): void {
    this.cursor = { ...cursor };
    this.order = this.epochOrder(cursor.epoch);
  }

  private epochOrder(epoch: number): Uint32Array {
    const order = epochPermutation(this.data.size, this.seed, epoch, this.shuffle);
    return this.bucket && this.layout ? bucketByLength(order, this.layout.lengths, this.batchSize, this.seed, epoch) : order;
  }

  /** Fill the batch buffers with the next B examples; returns the (reused) feeds. */
  next(): Record<string, ort.Tensor> {
    for (let b = 0; b < this.batchSize; b++) {
      if (this.cursor.position >= this.data.size) {
        this.cursor = { epoch: this.cursor.epoch + 1, position: 0 };
        this.order = this.epochOrder(this.cursor.epoch);
      }
      this.picked[b] = this.order[this.cursor.position++];
    }
    if (!this.layout) {
      for (let b = 0; b < this.batchSize; b++) copyExample(this.data, this.sources, this.picked[b], this.buffers, b, null, 0);
      return this.feeds;
    }
    const w = batchWidth(this.layout, this.picked);
    for (let b = 0; b < this.batchSize; b++) copyExample(this.data, this.sources, this.picked[b], this.buffers, b, this.layout, w);
    this.currentWidth = w;
    return this.feedsAt(w);
  }

  /** Tensors over the first B·w elements of the same buffers: one small object per width, made once. */
  private feedsAt(w: number): Record<string, ort.Tensor> {
    let feeds = this.feedsByWidth.get(w);
    if (!feeds) {
      feeds = {};
      this.data.columns.forEach((c, i) => {
        feeds![c.spec.name] = this.layout!.columns.has(c.spec.name)
          ? new ort.Tensor(c.spec.type, this.buffers[i].subarray(0, this.batchSize * w), [this.batchSize, w])
          : this.feeds[c.spec.name];
      });
      this.feedsByWidth.set(w, feeds);
    }
    return feeds;
  }
}

/**
 * Copy one example into batch slot `slot`. Sequence columns of `layout` are copied at width `w`
 * (their first w values: padding is on the right); other columns whole.
 */
function copyExample(data: Dataset, sources: (Float32Array | BigInt64Array)[], example: number, buffers: (Float32Array | BigInt64Array)[], slot: number, layout: SequenceLayout | null, w: number): void {
  for (let i = 0; i < data.columns.length; i++) {
    const spec = data.columns[i].spec;
    const full = spec.width;
    const width = layout && layout.columns.has(spec.name) ? w : full;
    const from = example * full;
    const buf = buffers[i];
    if (buf instanceof Float32Array) buf.set((sources[i] as Float32Array).subarray(from, from + width), slot * width);
    else buf.set((sources[i] as BigInt64Array).subarray(from, from + width), slot * width);
  }
}

/**
 * Evaluation batches in file order, the last one possibly smaller; with `layout`, each padded to its
 * own longest example. Allocates per batch: eval is rare.
 */
export function* evalBatches(data: Dataset, batchSize: number, layout: SequenceLayout | null = null): Generator<{ feeds: Record<string, ort.Tensor>; start: number; count: number }> {
  for (let start = 0; start < data.size; start += batchSize) {
    const count = Math.min(batchSize, data.size - start);
    let w = 1;
    if (layout) for (let e = start; e < start + count; e++) w = Math.max(w, layout.lengths[e]);
    const feeds: Record<string, ort.Tensor> = {};
    for (const c of data.columns) {
      const full = c.spec.width;
      const narrow = layout !== null && layout.columns.has(c.spec.name) && w < full;
      const slice = narrow ? gatherPrefix(c.values, full, start, count, w) : c.values.subarray(start * full, (start + count) * full);
      const values = c.spec.type === 'float32' ? Float32Array.from(slice) : BigInt64Array.from(slice, (v) => BigInt(v));
      feeds[c.spec.name] = new ort.Tensor(c.spec.type, values, narrow ? [count, w] : [count, ...c.spec.exampleShape]);
    }
    yield { feeds, start, count };
  }
}

/** The first w values of each of `count` examples from `start` (rows of width `full`). */
function gatherPrefix(values: Float32Array | Float64Array, full: number, start: number, count: number, w: number): Float64Array {
  const out = new Float64Array(count * w);
  for (let e = 0; e < count; e++) for (let k = 0; k < w; k++) out[e * w + k] = values[(start + e) * full + k];
  return out;
}

/** The integer labels of an eval range, for accuracy. */
export function labelsOf(data: Dataset, input: string, start: number, count: number): Float64Array | Float32Array {
  const column = data.columns.find((c) => c.spec.name === input);
  if (!column) throw new Error(`no column feeds graph input "${input}"`);
  return column.values.subarray(start, start + count);
}
