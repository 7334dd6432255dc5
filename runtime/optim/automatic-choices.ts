/**
 * Every setting a run resolves by itself from "auto" or null, with what was chosen and why, so the
 * run folder (run.json) and the panel can say it. Issue 16: `blocks: "auto"` silently chose whole
 * tensors on a pre-trained encoder and nobody could see it without reading the code.
 */
import type { AutomaticChoice, OptimizerConfig } from '../protocol';
import type { TrainableLayer } from './optimizer';
import { explainBlockKind } from './helene-blocks';

export function automaticChoicesOf(config: OptimizerConfig, layers: TrainableLayer[], totalSteps: number): AutomaticChoice[] {
  const choices: AutomaticChoice[] = [];
  if (config.name !== 'helene') return choices;
  const variant = config.variant ?? 'paper';
  if (variant === 'layerwise' && (config.blocks ?? 'layer') === 'auto') {
    const { kind, reason } = explainBlockKind(layers, 'auto', totalSteps);
    choices.push({ key: 'optimizer.blocks', requested: 'auto', chosen: kind, reason });
  }
  if (config.T === null || config.T === undefined) {
    const T = Math.max(1, 0.1 * totalSteps);
    choices.push({ key: 'optimizer.T', requested: null, chosen: String(T), reason: `annealing horizon: 10% of the run's ${totalSteps} steps` });
  }
  return choices;
}
