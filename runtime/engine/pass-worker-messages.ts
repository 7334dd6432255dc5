/**
 * What the engine's concurrent-pass client (concurrent-passes.ts) and its worker thread
 * (pass-worker.ts) say to each other. The perturbed weights are written into one SharedArrayBuffer
 * given at init; for each pass the worker copies them into the ArrayBuffer its session reads
 * (onnxruntime-node refuses SharedArrayBuffer inputs). Nothing is transferred: detaching an
 * ArrayBuffer even once makes V8 check every typed-array access of the thread for detachment
 * (measured: the perturbation loop 2.2 -> 3.1 ms at 1 M elements, and so every other loop).
 */
import * as ort from 'onnxruntime-node';
import type { PerturbedTrainable } from '../onnx/fed-weights-graph';

/**
 * A tensor copied across the thread boundary: a data feed (input_ids, labels…) sent to the worker
 * when the batch changed, or an extra output of its pass (evaluation's logits) sent back.
 */
export interface TensorCopy {
  name: string;
  type: 'float32' | 'int64' | 'int32' | 'bool' | 'uint8' | 'int8' | 'float16';
  data: Float32Array | BigInt64Array | Int32Array | Uint8Array | Int8Array | Uint16Array;
  dims: number[];
}

/** A copy with data of its own (the batcher reuses its buffers; a session's outputs belong to its run). */
export function copyTensor(name: string, t: ort.Tensor): TensorCopy {
  return { name, type: t.type as TensorCopy['type'], data: (t.data as Float32Array).slice(), dims: [...t.dims] };
}

export function toTensor(copy: TensorCopy): ort.Tensor {
  return new ort.Tensor(copy.type, copy.data as Float32Array, copy.dims);
}

export type PassWorkerRequest =
  | {
      kind: 'init';
      /** The training graph (encoded, or its path). */
      model: Uint8Array | string;
      externalDataDir?: string;
      threads: number;
      trainables: PerturbedTrainable[];
      /** The perturbed weights of every trainable, one after the other (this thread writes, the worker copies). */
      weights: Float32Array;
      /** Element offset of each trainable in the weights buffer, and its shape. */
      offsets: number[];
      shapes: number[][];
      scaleInput: string;
      lossOutput: string;
    }
  | { kind: 'data'; feeds: TensorCopy[] }
  /** One pass on the weights now in the shared buffer; `outputs`: what to fetch besides the loss (evaluation's logits). */
  | { kind: 'run'; outputs?: string[] };

export type PassWorkerReply =
  | { kind: 'ready' }
  | { kind: 'error'; message: string }
  | { kind: 'losses'; losses: Float32Array; outputs?: TensorCopy[] };
