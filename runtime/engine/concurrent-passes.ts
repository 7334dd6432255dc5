/**
 * The two passes of an SPSA estimate, run at the same time on a CPU: the +eps pass on the main thread
 * (an onnxruntime session of the training graph with half the threads) and the −eps pass on a worker
 * thread (pass-worker.ts, a session of the fed-weights graph with the other half), fed with
 * theta − eps·dir as host-perturbation.ts computes it, bit for bit what the graph computes.
 *
 * Why: on a small model onnxruntime's intra-op threads are poorly used (measured on the 1 M text
 * encoder, 2 cores: one forward 10.5 ms with 2 threads, 15.5 ms with 1), so two 1-thread passes side by
 * side finish well before two 2-thread passes in a row (docs/benchmarks.md, "Concurrent passes").
 * On a large model the 2-thread passes win, hence the automatic rule in concurrent-passes-choice.ts.
 *
 * The perturbed weights go through one SharedArrayBuffer, which the worker copies into the buffer its
 * session reads (onnxruntime-node refuses SharedArrayBuffer inputs): a transfer would detach an
 * ArrayBuffer, after which V8 slows every typed-array loop of the thread (pass-worker-messages.ts).
 * Memory: 8 bytes per trainable element (the shared buffer and the worker's copy).
 */
import { Worker } from 'node:worker_threads';
import { allocShared } from '../rng';
import type * as ort from 'onnxruntime-node';
import type { TrainableLayer } from '../optim/optimizer';
import type { PerturbedTrainable } from '../onnx/fed-weights-graph';
import { resolveWorkerEntry } from '../rng/worker-entry';
import { perturbInto } from './host-perturbation';
import { copyTensor, type PassWorkerReply, type PassWorkerRequest, type TensorCopy } from './pass-worker-messages';

export interface ConcurrentPassOptions {
  model: Uint8Array | string;
  externalDataDir?: string;
  threads: number;
  trainables: PerturbedTrainable[];
  scaleInput: string;
  lossOutput: string;
  /** Worker script instead of dist/pass-worker.js or the tsx source (tests). */
  workerPath?: string;
}

export class PassWorker {
  /** The perturbed weights (shared with the worker), and each layer's view of them. */
  private readonly weights: Float32Array;
  private readonly views: Float32Array[];
  private running = false;
  private pending: { resolve: (r: PassWorkerReply) => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;
  private readonly offsets: number[];

  private constructor(
    private readonly worker: Worker,
    private readonly layers: readonly TrainableLayer[],
  ) {
    this.offsets = [];
    let total = 0;
    for (const layer of layers) {
      this.offsets.push(total);
      total += layer.size;
    }
    this.weights = allocShared(total);
    this.views = layers.map((l, i) => this.weights.subarray(this.offsets[i]!, this.offsets[i]! + l.size));
    worker.on('message', (m: PassWorkerReply) => this.settle(m));
    worker.on('error', (e) => this.fail(new Error(`the concurrent-pass worker failed: ${e.message}`)));
    worker.on('exit', (code) => this.fail(new Error(`the concurrent-pass worker exited (code ${code})`)));
  }

  /** Starts the worker and waits until its session is ready; rejects with onnxruntime's reason. */
  static async start(layers: readonly TrainableLayer[], o: ConcurrentPassOptions): Promise<PassWorker> {
    const entry = resolveWorkerEntry(o.workerPath, 'pass-worker', __dirname);
    const worker = new Worker(entry.source, { eval: entry.eval, name: 'helene-pass' });
    const client = new PassWorker(worker, layers);
    const init: PassWorkerRequest = {
      kind: 'init',
      model: o.model,
      externalDataDir: o.externalDataDir,
      threads: o.threads,
      trainables: o.trainables,
      weights: client.weights,
      offsets: client.offsets,
      shapes: layers.map((l) => [...l.shape]),
      scaleInput: o.scaleInput,
      lossOutput: o.lossOutput,
    };
    try {
      const r = await client.request(init);
      if (r.kind === 'error') throw new Error(r.message);
    } catch (e) {
      await client.close();
      throw e;
    }
    worker.unref();
    return client;
  }

  /** Bytes of the perturbed weights one pass reads. */
  get weightBytes(): number {
    return this.weights.byteLength;
  }

  /** The batch the next passes read (copied: the batcher reuses its buffers). */
  sendBatch(feeds: Record<string, ort.Tensor>): void {
    const copies = Object.entries(feeds).map(([name, t]) => copyTensor(name, t));
    this.worker.postMessage({ kind: 'data', feeds: copies } satisfies PassWorkerRequest);
  }

  /**
   * Starts the pass at theta + scale·dir of every layer (perturbed here, then handed over) and
   * resolves with its per-example losses. One pass at a time.
   */
  pass(scale: number): Promise<Float32Array> {
    return this.passWith(scale, []).then((r) => r.losses);
  }

  /** A pass that also fetches `outputs` (evaluation: logits for accuracy). */
  passWith(scale: number, outputs: string[]): Promise<{ losses: Float32Array; outputs: TensorCopy[] }> {
    if (this.failure) return Promise.reject(this.failure);
    // The worker copies the shared weights when its pass starts: never write them while one runs.
    if (this.running) return Promise.reject(new Error('concurrent-pass worker: a pass is already running'));
    for (let i = 0; i < this.layers.length; i++) {
      const layer = this.layers[i]!;
      perturbInto(this.views[i]!, layer.theta, layer.dir, scale);
    }
    this.running = true;
    this.worker.ref();
    return this.request({ kind: 'run', outputs }).then((r) => {
      this.running = false;
      this.worker.unref();
      if (r.kind !== 'losses') throw new Error(r.kind === 'error' ? `the concurrent pass failed: ${r.message}` : 'concurrent-pass worker: unexpected reply');
      return { losses: r.losses, outputs: r.outputs ?? [] };
    });
  }

  async close(): Promise<void> {
    this.failure ??= new Error('the concurrent-pass worker was closed');
    await this.worker.terminate();
  }

  private request(message: PassWorkerRequest): Promise<PassWorkerReply> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage(message);
    });
  }

  private settle(reply: PassWorkerReply): void {
    const p = this.pending;
    this.pending = null;
    if (reply.kind === 'error' && !p) this.failure = new Error(reply.message);
    p?.resolve(reply);
  }

  private fail(e: Error): void {
    this.failure ??= e;
    const p = this.pending;
    this.pending = null;
    p?.reject(this.failure);
  }
}
