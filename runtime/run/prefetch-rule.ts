/**
 * When the next step's z is generated during this step's forward passes (engine.prefetchDirections,
 * runtime/run/seeded-directions.ts). The worker doing it needs a core: with onnxruntime on every core
 * it only takes time from the forwards, and z generation moves around inside the step instead of
 * leaving it (measured on 2 cores, docs/benchmarks.md, issue 17). The staging buffer costs 4 bytes
 * per trainable element, so large models keep the inline generation (the same cap as the state
 * guard's snapshot).
 */
import * as os from 'node:os';
import type { EngineConfig } from '../protocol';

export const PREFETCH_MAX_ELEMENTS = 16_777_216;

export function prefetchDirectionsOn(engine: Pick<EngineConfig, 'threads'> & { prefetchDirections?: EngineConfig['prefetchDirections'] }, trainableElements: number, cpus = os.cpus().length): boolean {
  const setting = engine.prefetchDirections ?? 'auto';
  if (setting !== 'auto') return setting === 'on';
  // threads 0 is onnxruntime's default: one intra-op thread per core.
  const ortThreads = engine.threads > 0 ? engine.threads : cpus;
  return ortThreads < cpus && trainableElements <= PREFETCH_MAX_ELEMENTS;
}
