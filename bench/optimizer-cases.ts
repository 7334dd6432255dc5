/**
 * Which optimizer configurations the throughput benchmark times. Defaults come from the config
 * schema (spec defaults); lr is tiny so that minutes of steps on random data never diverge (the
 * values do not change the cost of a step).
 */
import { resolveConfig } from '../runtime/protocol/config-schema';
import type { OptimizerConfig, OptimizerName } from '../runtime/protocol';
import { presetById } from '../runtime/optim/presets';

export interface OptimizerCase {
  label: string;
  config: OptimizerConfig;
}

function config(name: OptimizerName, extra: Record<string, unknown> = {}): OptimizerConfig {
  return resolveConfig({ model: { path: 'bench.onnx' }, data: { train: 'bench.jsonl' }, optimizer: { name, lr: 1e-7, ...extra } }).config.optimizer;
}

export const ALL_CASES: OptimizerCase[] = [
  { label: 'mezo', config: config('mezo') },
  { label: 'helene', config: config('helene') },
  { label: 'helene-rho', config: config('helene', { rho: 1 }) },
  // The recommended HELENE preset (runtime/optim/presets.ts 'helene'): block-coordinate, automatic blocks.
  { label: 'helene-layerwise', config: config('helene', presetById('helene')!.optimizer) },
  { label: 'zo-adam', config: config('zo-adam') },
  { label: 'hizoo', config: config('hizoo') },
  { label: 'fzoo', config: config('fzoo') },
];

export function findCases(labels: string[]): OptimizerCase[] {
  return labels.map((l) => {
    const found = ALL_CASES.find((c) => c.label === l);
    if (!found) throw new Error(`unknown optimizer case "${l}"; known: ${ALL_CASES.map((c) => c.label).join(', ')}`);
    return found;
  });
}
