/**
 * Whether a run uses concurrent passes (concurrent-passes.ts), from engine.concurrentPasses:
 *   off   never;
 *   on    whenever it can run: the CPU provider, at least 2 threads, not engine.resident;
 *   auto  (default) as on, for runs of at least AUTO_MIN_STEPS steps and models where it can be
 *         faster on this kind of machine: at most AUTO_MAX_TRAINABLE trainable elements, and a
 *         training graph of at most AUTO_MAX_GRAPH_BYTES (the worker's session holds its own copy of
 *         the frozen weights); then the first pairs time both ways (concurrent-passes-probe.ts).
 * Measured on 2 cores (docs/benchmarks.md, "Concurrent passes"), two 1-thread passes side by side
 * against two 2-thread passes in a row: 0.77x the time at 1 M parameters, 0.91x at 10 M, 1.23x at 50 M.
 */
import * as os from 'node:os';
import type { ConcurrentPassesInfo, ConcurrentPassesSetting, Provider } from '../protocol';

export const AUTO_MAX_TRAINABLE = 16 * 1024 * 1024;
export const AUTO_MAX_GRAPH_BYTES = 256 * 1024 * 1024;
/** Starting the worker and its session costs ~0.1-0.4 s (measured, 2 cores); a shorter run would not win it back. */
export const AUTO_MIN_STEPS = 200;

export interface ConcurrentPassesFacts {
  setting: ConcurrentPassesSetting;
  provider: Provider;
  /** engine.threads (0 = onnxruntime's default, one per core). */
  threads: number;
  resident: boolean;
  trainableElements: number;
  /** The run's steps (absent: not known, e.g. a bench engine). */
  steps?: number;
  /** Size of the encoded training graph (frozen weights included unless kept in external data). */
  graphBytes: number;
  /** Cores onnxruntime's default would use (os.availableParallelism()); a parameter for tests. */
  cores?: number;
}

const mb = (bytes: number) => `${Math.round(bytes / 1e6)} MB`;

export function chooseConcurrentPasses(f: ConcurrentPassesFacts): ConcurrentPassesInfo {
  const requested = f.setting;
  const total = f.threads > 0 ? f.threads : (f.cores ?? os.availableParallelism());
  const off = (reason: string): ConcurrentPassesInfo => ({ requested, used: false, reason });
  if (requested === 'off') return off('engine.concurrentPasses is "off"');
  if (f.provider !== 'cpu') return off(`the passes run on ${f.provider}, where they do not compete for CPU cores`);
  if (f.resident) return off('engine.resident keeps theta in its own graphs');
  if (total < 2) return off(`onnxruntime has ${total} thread: nothing to split`);
  const threads: [number, number] = [Math.ceil(total / 2), Math.floor(total / 2)];
  if (requested === 'auto') {
    if (f.steps !== undefined && f.steps < AUTO_MIN_STEPS) return off(`auto: a run of ${f.steps} steps is too short to win back starting the worker (under ${AUTO_MIN_STEPS} steps)`);
    if (f.trainableElements > AUTO_MAX_TRAINABLE) return off(`auto: ${f.trainableElements} trainable elements is over ${AUTO_MAX_TRAINABLE}, where two passes in a row with all threads measured faster`);
    if (f.graphBytes > AUTO_MAX_GRAPH_BYTES) return off(`auto: the training graph (${mb(f.graphBytes)}) is over ${mb(AUTO_MAX_GRAPH_BYTES)}, and the worker would hold a second copy of its frozen weights`);
  }
  const why = requested === 'on' ? 'engine.concurrentPasses is "on"' : `auto: ${f.trainableElements} trainable elements on the CPU`;
  return { requested, used: true, threads, reason: `${why}: the +eps pass on ${threads[0]} thread${threads[0] > 1 ? 's' : ''} and the −eps pass on ${threads[1]}, at the same time` };
}
