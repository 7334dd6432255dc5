/**
 * Optimizer presets offered by the start form and documented in the README. The recommended HELENE
 * preset is the variant that won the convergence suite (docs/helene-notes.md §4–5: block-coordinate
 * "layerwise" HELENE with row blocks reached MeZO's final eval loss in 3.15x / 2.52x fewer forward
 * passes on the demo and least-squares tasks, 3 seeds; on the pre-trained encoder's body, where each
 * row would be chosen about once per run, layer blocks win instead, hence blocks "auto"); the spec's
 * defaults stay as "helene (paper)".
 */
import type { OptimizerName } from '../protocol';

export interface OptimizerPreset {
  id: string;
  label: string;
  description: string;
  /** Keys merged into the config's optimizer section. */
  optimizer: { name: OptimizerName } & Record<string, unknown>;
  evidence?: string;
}

export const OPTIMIZER_PRESETS: OptimizerPreset[] = [
  {
    id: 'helene',
    label: 'helene (recommended)',
    description: 'layerwise block curvature (rows when the run is long enough, else tensors); 2.5–3.2x fewer passes than MeZO on 2 of 3 suite tasks',
    optimizer: { name: 'helene', variant: 'layerwise', blocks: 'auto' },
    evidence: 'docs/helene-notes.md',
  },
  { id: 'helene-paper', label: 'helene (paper)', description: 'the spec as written: A-GNB curvature, per-layer clipping, annealed momentum', optimizer: { name: 'helene' } },
  { id: 'mezo', label: 'mezo', description: 'ZO-SGD baseline (2 passes/step)', optimizer: { name: 'mezo' } },
  { id: 'hizoo', label: 'hizoo', description: 'diagonal Hessian from a third pass (3 passes/step)', optimizer: { name: 'hizoo' } },
  { id: 'zo-adam', label: 'zo-adam', description: 'Adam moments on the SPSA gradient (2 passes/step)', optimizer: { name: 'zo-adam' } },
  { id: 'fzoo', label: 'fzoo', description: 'N one-sided Rademacher directions (N+1 passes/step)', optimizer: { name: 'fzoo' } },
];

export function presetById(id: string): OptimizerPreset | undefined {
  return OPTIMIZER_PRESETS.find((p) => p.id === id);
}
