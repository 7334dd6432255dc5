/**
 * engine.resident: the optimizer of a run whose step runs as ONNX graphs beside the training graph
 * (z graph → two perturbed passes → update graph), on the provider the training session verified.
 * MeZO, HELENE `variant: paper` and `variant: layerwise` (the HELENE preset) have update graphs; any
 * other choice is refused up front.
 */
import { ConfigError } from '../../protocol/config-schema';
import type { OptimizerConfig, Provider } from '../../protocol';
import type { TrainableLayer, ZoOptimizer } from '../../optim/optimizer';
import type { Seed64 } from '../../rng/seeds';
import { ResidentGraphs } from './resident-graphs';
import { ResidentMeZO } from './resident-mezo';
import { ResidentHelene } from './resident-helene';
import { ResidentLayerwise } from './resident-layerwise';
import type * as ort from 'onnxruntime-node';

export interface ResidentOptions {
  provider: Provider;
  threads: number;
  onRebind?: (layer: string, which: 'theta' | 'dir', tensor: ort.Tensor) => void;
  /** Hold the state as WebGPU does also on the CPU EP (ResidentGraphs); default: the environment's DEVICE_STATE_ENV. */
  deviceState?: boolean;
}

/**
 * `HELENE_RESIDENT_STATE=device`: a CPU-EP resident run holds θ, m, h, λ the way a WebGPU run does
 * (swapped output tensors; checkpoints, statistics and guard scans download first). It changes no
 * number of the run, only which code path holds the state: how the tests run WebGPU's path on a CPU.
 */
export const DEVICE_STATE_ENV = 'HELENE_RESIDENT_STATE';

/** Null when the optimizer has a resident form, else why not (one sentence naming the setting). */
export function residentRefusal(config: OptimizerConfig): string | null {
  if (config.name === 'mezo') return null;
  if (config.name === 'helene' && ((config.stateDtype ?? 'float32') !== 'float32' || (config.hessianShape ?? 'element') !== 'element')) {
    // The update graph keeps m and h as float32 per element; silently ignoring the option would misreport memory.
    return 'engine.resident keeps HELENE\'s m and h in float32, one per element (its update graph); optimizer.stateDtype "bfloat16" and optimizer.hessianShape "row" run on the host only: set engine.resident to false or leave those two at their defaults';
  }
  if (config.name === 'helene' && ['paper', 'layerwise'].includes(config.variant ?? 'paper')) return null;
  const what = config.name === 'helene' ? `optimizer.variant "${config.variant}"` : `optimizer.name "${config.name}"`;
  return `engine.resident supports optimizer "mezo" and "helene" with variant "paper" or "layerwise" (update graphs in runtime/engine/resident/); ${what} has none yet: set engine.resident to false`;
}

export async function createResidentOptimizer(
  layers: TrainableLayer[],
  config: OptimizerConfig,
  totalSteps: number,
  runSeed: Seed64,
  options: ResidentOptions,
): Promise<ZoOptimizer & { graphs: ResidentGraphs }> {
  const refusal = residentRefusal(config);
  if (refusal) throw new ConfigError([{ path: 'engine.resident', message: refusal }]);
  const own = structuredClone(config);
  options = { ...options, deviceState: options.deviceState ?? process.env[DEVICE_STATE_ENV] === 'device' };
  if (own.name === 'mezo') {
    const graphs = await ResidentGraphs.create(layers, 'mezo', options);
    return new ResidentMeZO(layers, own, graphs, runSeed);
  }
  if (own.variant === 'layerwise') return ResidentLayerwise.create(layers, own, totalSteps, runSeed, options);
  const arrays = { m: layers.map((l) => new Float32Array(l.size)), h: layers.map((l) => new Float32Array(l.size)), lambda: new Float32Array(layers.length) };
  const graphs = await ResidentGraphs.create(layers, 'helene', options, arrays);
  return new ResidentHelene(layers, own, graphs, arrays, runSeed, totalSteps);
}
