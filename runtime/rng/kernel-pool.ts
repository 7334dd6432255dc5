/**
 * KernelPool: fills large layers with z (or Rademacher u) on worker threads.
 *
 *   const pool = new KernelPool(2);
 *   const z = allocShared(n);            // buffers the pool fills MUST come from allocShared
 *   await pool.fillNormal(key, z);       // same bits as fillNormal(key, z), in ~1/threads the time
 *   await pool.close();
 *
 * Each call splits [start, end) into one contiguous chunk per worker; every worker writes its chunk
 * straight into the shared buffer, so nothing is copied. Because each element's value depends only on
 * (key, j) (see normal.ts), the result is bit-identical for any number of threads.
 *
 * Runs inline on the calling thread (still returning a promise) when threads <= 1, when the range is
 * too small to be worth a round trip, or when `out` is not backed by a SharedArrayBuffer (a worker
 * cannot write into an ordinary ArrayBuffer of this thread).
 *
 * Workers start on their first job (a run whose layers are all below minParallel starts none). Idle
 * workers are unref'd, so an open pool does not keep the process alive; a worker is ref'd only
 * while it has jobs, so an awaited fill cannot be cut short by the process exiting. close() terminates
 * the workers.
 */
import { Worker } from 'node:worker_threads';
import { runKernelJob, type FillJob, type JobReply, type JobRequest, type KernelJob } from './kernel-jobs';
import { resolveWorkerEntry, type WorkerEntry } from './worker-entry';
import { checkFillRange } from './fill-range';
import type { LayerKey } from './seeds';

/** A Float32Array of n zeros over a SharedArrayBuffer: the only kind of buffer workers can fill. */
export function allocShared(n: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(n * Float32Array.BYTES_PER_ELEMENT));
}

/** True when `arr` is backed by a SharedArrayBuffer, i.e. KernelPool can fill it on workers. */
export function isShared(arr: Float32Array): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && arr.buffer instanceof SharedArrayBuffer;
}

export interface KernelPoolOptions {
  /** Worker script to use instead of the bundled kernel-worker.js / the tsx source (worker-entry.ts). */
  readonly workerPath?: string;
  /**
   * Ranges shorter than this run inline: a worker round trip costs tens of microseconds, about what
   * 2-3 thousand normals cost. Default 65536 elements.
   */
  readonly minParallelElements?: number;
  /**
   * One more worker, apart from the fill workers, for jobs that run while the calling thread does
   * other work (runInBackground: the next step's z while onnxruntime runs this step's forwards).
   */
  readonly background?: boolean;
}

/**
 * Chunks start on multiples of 64 elements: one Rademacher block, and whole cache lines, so two
 * workers never write the same line.
 */
const CHUNK_ALIGN = 64;

interface PendingJob {
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

/** One worker thread and the jobs it has been sent but not yet answered. */
class PoolWorker {
  private readonly pending = new Map<number, PendingJob>();
  private readonly worker: Worker;
  private failure: Error | undefined;

  constructor(entry: WorkerEntry, index: number) {
    this.worker = new Worker(entry.source, { eval: entry.eval, name: `helene-kernel-${index}` });
    this.worker.unref();
    this.worker.on('message', (reply: JobReply) => this.settle(reply));
    this.worker.on('error', (err: Error) => this.fail(err));
    this.worker.on('exit', (code: number) => this.fail(new Error(`kernel worker exited with code ${code}`)));
  }

  run(id: number, job: KernelJob): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      const request: JobRequest = { id, job };
      this.worker.postMessage(request);
    });
  }

  private settle(reply: JobReply): void {
    const job = this.pending.get(reply.id);
    if (!job) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if (reply.error !== undefined) job.reject(new Error(`kernel job failed in worker: ${reply.error}`));
    else job.resolve();
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const job of this.pending.values()) job.reject(err);
    this.pending.clear();
  }

  async terminate(): Promise<void> {
    this.fail(new Error('KernelPool closed'));
    await this.worker.terminate();
  }
}

export class KernelPool {
  /** Number of worker threads (0 when everything runs inline). */
  readonly threads: number;
  /** Started on first use: a run whose layers are all too small for the pool starts no thread. */
  private readonly workers: (PoolWorker | undefined)[] = [];
  private entry: WorkerEntry | null = null;
  private backgroundWorker: PoolWorker | null = null;
  private readonly background: boolean;
  private readonly workerPath: string | undefined;
  private readonly minParallel: number;
  private nextJobId = 1;
  private closed = false;

  /** `threads` 0 or 1: no workers, every job runs inline on the calling thread. */
  constructor(threads: number, options: KernelPoolOptions = {}) {
    if (!Number.isInteger(threads) || threads < 0) throw new RangeError(`threads must be an integer >= 0, got ${threads}`);
    this.threads = threads <= 1 ? 0 : threads;
    this.minParallel = options.minParallelElements ?? 65536;
    // Resolved now, so a missing worker script is an error at creation, not at the first job.
    if (this.threads > 0) this.entry = resolveWorkerEntry(options.workerPath);
    this.background = options.background ?? false;
    this.workerPath = options.workerPath;
  }

  /** Whether runInBackground has a worker (options.background). */
  get hasBackground(): boolean {
    return this.background;
  }

  /** Run one job on the background worker; its buffers must be shared (allocShared). */
  runInBackground(job: KernelJob): Promise<void> {
    if (this.closed) return Promise.reject(new Error('KernelPool is closed'));
    if (!this.background) return Promise.reject(new Error('KernelPool has no background worker (options.background)'));
    // Started on first use: a run that never prefetches (or fails before its first step) starts no thread.
    this.backgroundWorker ??= new PoolWorker(resolveWorkerEntry(this.workerPath), this.threads);
    return this.backgroundWorker.run(this.nextJobId++, job);
  }

  /**
   * One job on worker `index` (0 ≤ index < threads); its buffers must be shared (allocShared). For
   * callers that split work by whole layers (SeededDirections' grouped fill): one round trip per
   * worker instead of one per layer.
   */
  runOn(index: number, job: KernelJob): Promise<void> {
    if (this.closed) return Promise.reject(new Error('KernelPool is closed'));
    if (!Number.isInteger(index) || index < 0 || index >= this.threads) return Promise.reject(new RangeError(`KernelPool has ${this.threads} workers, not a worker ${index}`));
    return this.worker(index).run(this.nextJobId++, job);
  }

  /** Pooled `fillNormal` (normal.ts), same arguments and same bits. */
  fillNormal(key: LayerKey, out: Float32Array, start = 0, end: number = out.length, offset = 0): Promise<void> {
    return this.fill('normal', key, out, start, end, offset);
  }

  /** Pooled `fillRademacher` (rademacher.ts), same arguments and same values. */
  fillRademacher(key: LayerKey, out: Float32Array, start = 0, end: number = out.length, offset = 0): Promise<void> {
    return this.fill('rademacher', key, out, start, end, offset);
  }

  /** Terminates the workers; pending and later jobs are rejected. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const started = this.workers.filter((w): w is PoolWorker => w !== undefined);
    await Promise.all([...started, ...(this.backgroundWorker ? [this.backgroundWorker] : [])].map((w) => w.terminate()));
  }

  private worker(index: number): PoolWorker {
    return (this.workers[index] ??= new PoolWorker(this.entry!, index));
  }

  private async fill(
    kind: FillJob['kind'],
    key: LayerKey,
    out: Float32Array,
    start: number,
    end: number,
    offset: number,
  ): Promise<void> {
    if (this.closed) throw new Error('KernelPool is closed');
    checkFillRange(out.length, start, end, offset);
    const base = { kind, key0: key.key0 >>> 0, key1: key.key1 >>> 0, out, offset };
    const n = end - start;
    if (this.threads === 0 || n < this.minParallel || !isShared(out)) {
      runKernelJob({ ...base, start, end });
      return;
    }
    const per = Math.ceil(n / this.threads / CHUNK_ALIGN) * CHUNK_ALIGN;
    const jobs: Promise<void>[] = [];
    for (let w = 0, lo = start; lo < end; w++, lo += per) {
      jobs.push(this.worker(w).run(this.nextJobId++, { ...base, start: lo, end: Math.min(end, lo + per) }));
    }
    await Promise.all(jobs);
  }
}
