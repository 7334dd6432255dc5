/**
 * The element-wise jobs a KernelPool can run, and the one function that runs them. The same code
 * runs inline on the calling thread and inside kernel-worker.ts, which is what makes pooled and
 * inline results bit-identical.
 *
 * To add a fused kernel later (an axpy with z regenerated on the fly, an optimizer update): add a
 * variant to KernelJob, a case to runKernelJob, and a method on KernelPool that splits it.
 */
import { fillNormal } from './normal';
import { fillRademacher } from './rademacher';

/** Fill elements [start, end) of a layer whose element j lives at out[j - offset]. */
export interface FillJob {
  readonly kind: 'normal' | 'rademacher';
  readonly key0: number;
  readonly key1: number;
  /** Float32Array over a SharedArrayBuffer when sent to a worker (structured clone shares it). */
  readonly out: Float32Array;
  readonly start: number;
  readonly end: number;
  readonly offset: number;
}

/**
 * z ~ N(0, I) for many layers in one message (issue 17's prefetch of the next step's directions):
 * layer i has key (keys[2i], keys[2i+1]) and fills out[bounds[i] .. bounds[i+1]), its element j at
 * out[bounds[i] + j]. One round trip instead of one per layer (a step has dozens of small layers).
 */
export interface NormalLayersJob {
  readonly kind: 'normal-layers';
  readonly keys: Uint32Array;
  /** Float32Array over a SharedArrayBuffer. */
  readonly out: Float32Array;
  readonly bounds: Int32Array;
}

export type KernelJob = FillJob | NormalLayersJob;

export function runKernelJob(job: KernelJob): void {
  if (job.kind === 'normal-layers') {
    for (let i = 0; i + 1 < job.bounds.length; i++) {
      const start = job.bounds[i]!;
      fillNormal({ key0: job.keys[2 * i]!, key1: job.keys[2 * i + 1]! }, job.out.subarray(start, job.bounds[i + 1]!));
    }
    return;
  }
  const key = { key0: job.key0, key1: job.key1 };
  switch (job.kind) {
    case 'normal':
      fillNormal(key, job.out, job.start, job.end, job.offset);
      return;
    case 'rademacher':
      fillRademacher(key, job.out, job.start, job.end, job.offset);
      return;
    default: {
      const unknown: never = job;
      throw new Error(`unknown kernel job kind: ${String((unknown as { kind: unknown }).kind)}`);
    }
  }
}

/** Message from the pool to a worker. */
export interface JobRequest {
  readonly id: number;
  readonly job: KernelJob;
}

/** Reply from a worker: `error` set when the job threw. */
export interface JobReply {
  readonly id: number;
  readonly error?: string;
}
