/**
 * What the Trainer needs from an optimizer whose state lives on the device (engine.resident under
 * WebGPU, or on the CPU EP with deviceState): the host arrays (layer.theta, the optimizer's m, h, λ)
 * are stale between downloads, so everything that reads them — checkpoints, layer statistics, the
 * state guard — asks for a download first, and everything that writes them — a resume, a guard's
 * restore — hands them back. The normal optimizers and host-mode resident ones have no such hooks
 * (their arrays are the state), so the Trainer's calls are no-ops for them.
 */
import type { ZoOptimizer } from '../../optim/optimizer';
import type { ResidentGraphs } from './resident-graphs';

export interface DeviceState {
  /** Bring θ and the optimizer state into the host arrays (a download on a GPU). */
  stateToHost(): Promise<void>;
  /** The host arrays were written: make them the state (uploaded on the next run). */
  stateFromHost(): void;
  /**
   * The last update's per-layer Σδ² (a scalar per layer, back every step) was not finite, so θ or
   * m, h is not: the Trainer downloads and scans now instead of at the next checkpoint.
   */
  nonFiniteUpdate(): boolean;
}

/** The optimizer's device-state hooks, or null when its host arrays are always current. */
export function deviceStateOf(optimizer: ZoOptimizer): DeviceState | null {
  const graphs = (optimizer as Partial<{ graphs: ResidentGraphs }>).graphs;
  if (!graphs || graphs.location !== 'device') return null;
  return { stateToHost: () => graphs.download(), stateFromHost: () => graphs.upload(), nonFiniteUpdate: () => graphs.nonFiniteUpdate };
}
