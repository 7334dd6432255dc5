/**
 * Fixed-size training batches in seeded epoch order. Batches may straddle epochs so every step sees
 * exactly B examples; buffers and ORT tensors are allocated once and refilled (no per-step allocation).
 * The cursor (epoch, position) is all the state there is, so a checkpoint can restore it exactly.
 */
import * as ort from 'onnxruntime-node';
import type { Dataset } from './dataset';
import { epochPermutation } from './shuffle';

export interface BatchCursor {
  epoch: number;
  position: number;
}

export class TrainBatcher {
  private order: Uint32Array;
  private readonly buffers: (Float32Array | BigInt64Array)[];
  readonly feeds: Record<string, ort.Tensor> = {};
  cursor: BatchCursor = { epoch: 0, position: 0 };

  constructor(private readonly data: Dataset, readonly batchSize: number, private readonly seed: number, private readonly shuffle: boolean) {
    this.order = epochPermutation(data.size, seed, 0, shuffle);
    this.buffers = data.columns.map((c) => (c.spec.type === 'float32' ? new Float32Array(batchSize * c.spec.width) : new BigInt64Array(batchSize * c.spec.width)));
    data.columns.forEach((c, i) => {
      this.feeds[c.spec.name] = new ort.Tensor(c.spec.type, this.buffers[i], [batchSize, ...c.spec.exampleShape]);
    });
  }

  /** Sequence width of the current batch (text data), null for numeric data. */
  get width(): number | null {
    return null;
  }

  setCursor(cursor: BatchCursor): void {
    this.cursor = { ...cursor };
    this.order = epochPermutation(this.data.size, this.seed, cursor.epoch, this.shuffle);
  }

  /** Fill the batch buffers with the next B examples; returns the (reused) feeds. */
  next(): Record<string, ort.Tensor> {
    for (let b = 0; b < this.batchSize; b++) {
      if (this.cursor.position >= this.data.size) {
        this.cursor = { epoch: this.cursor.epoch + 1, position: 0 };
        this.order = epochPermutation(this.data.size, this.seed, this.cursor.epoch, this.shuffle);
      }
      copyExample(this.data, this.order[this.cursor.position++], this.buffers, b);
    }
    return this.feeds;
  }
}

function copyExample(data: Dataset, example: number, buffers: (Float32Array | BigInt64Array)[], slot: number): void {
  data.columns.forEach((c, i) => {
    const w = c.spec.width;
    const buf = buffers[i];
    if (buf instanceof Float32Array) buf.set((c.values as Float32Array).subarray(example * w, example * w + w), slot * w);
    else for (let k = 0; k < w; k++) buf[slot * w + k] = BigInt(c.values[example * w + k]);
  });
}

/** Evaluation batches in file order, the last one possibly smaller. Allocates per batch: eval is rare. */
export function* evalBatches(data: Dataset, batchSize: number): Generator<{ feeds: Record<string, ort.Tensor>; start: number; count: number }> {
  for (let start = 0; start < data.size; start += batchSize) {
    const count = Math.min(batchSize, data.size - start);
    const feeds: Record<string, ort.Tensor> = {};
    for (const c of data.columns) {
      const w = c.spec.width;
      const slice = c.values.subarray(start * w, (start + count) * w);
      const values = c.spec.type === 'float32' ? Float32Array.from(slice) : BigInt64Array.from(slice, (v) => BigInt(v));
      feeds[c.spec.name] = new ort.Tensor(c.spec.type, values, [count, ...c.spec.exampleShape]);
    }
    yield { feeds, start, count };
  }
}

/** The integer labels of an eval range, for accuracy. */
export function labelsOf(data: Dataset, input: string, start: number, count: number): Float64Array | Float32Array {
  const column = data.columns.find((c) => c.spec.name === input);
  if (!column) throw new Error(`no column feeds graph input "${input}"`);
  return column.values.subarray(start, start + count);
}
