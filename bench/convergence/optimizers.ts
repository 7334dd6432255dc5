/**
 * The optimizers the suite compares, with the lr anchor each tuning starts from per task (found
 * by a wide pilot sweep; the grid procedure in tuning.ts moves away from a bad anchor on its own).
 * Every other hyperparameter is the schema default (the spec's), so "helene-paper" is HELENE as
 * the spec fixes it.
 */
import type { TaskName } from './tasks';
import { presetById } from '../../runtime/optim/presets';

export interface BenchOptimizer {
  label: string;
  config: Record<string, unknown>;
  /** Where the lr grid starts per task; a task without one starts at the demo's anchor. */
  anchor: Partial<Record<TaskName, number>> & { 'demo-mlp': number };
}

export const BENCH_OPTIMIZERS: BenchOptimizer[] = [
  { label: 'mezo', config: { name: 'mezo' }, anchor: { 'demo-mlp': 0.002, 'least-squares': 0.001, 'tiny-encoder': 0.003, 'tiny-encoder-body': 0.003 } },
  { label: 'helene-paper', config: { name: 'helene' }, anchor: { 'demo-mlp': 0.003, 'least-squares': 0.03, 'tiny-encoder': 0.003, 'tiny-encoder-body': 0.001 } },
  // The recommended preset as it stands (the held-out protocol runs what a user gets).
  { label: 'helene-recommended', config: { ...presetById('helene')!.optimizer }, anchor: { 'demo-mlp': 0.01 } },
  // Tuning-task trials for issue 16 (docs/heldout.md): the preset with its ratio clipped, or with a floor on a block's relative curvature.
  { label: 'helene-recommended-rho1', config: { ...presetById('helene')!.optimizer, rho: 1 }, anchor: { 'demo-mlp': 0.01 } },
  { label: 'helene-recommended-floor', config: { ...presetById('helene')!.optimizer, curvatureFloor: 0.1 }, anchor: { 'demo-mlp': 0.01 } },
  { label: 'helene-recommended-floor-rho1', config: { ...presetById('helene')!.optimizer, curvatureFloor: 0.1, rho: 1 }, anchor: { 'demo-mlp': 0.01 } },
  // Issue 16's untried directions (docs/heldout.md), each on top of what it modifies: the layerwise preset or MeZO.
  { label: 'helene-multi', config: { ...presetById('helene')!.optimizer, variant: 'multi', queries: 2 }, anchor: { 'demo-mlp': 0.01 } },
  { label: 'helene-normalized', config: { ...presetById('helene')!.optimizer, variant: 'normalized' }, anchor: { 'demo-mlp': 0.01 } },
  { label: 'sparse-mezo', config: { name: 'sparse-mezo', maskFraction: 0.25, refreshEvery: 50 }, anchor: { 'demo-mlp': 0.002 } },
  { label: 'lozo', config: { name: 'lozo', perturbRank: 2, refreshEvery: 50 }, anchor: { 'demo-mlp': 0.002 } },
  { label: 'helene-bias-corrected', config: { name: 'helene', variant: 'bias-corrected' }, anchor: { 'demo-mlp': 0.009, 'least-squares': 0.09 } },
  { label: 'helene-energy', config: { name: 'helene', variant: 'energy' }, anchor: { 'demo-mlp': 0.0003, 'least-squares': 0.001 } },
  { label: 'helene-layerwise', config: { name: 'helene', variant: 'layerwise' }, anchor: { 'demo-mlp': 0.001, 'least-squares': 0.0003, 'tiny-encoder': 0.001, 'tiny-encoder-body': 0.003 } },
  { label: 'helene-layerwise-row', config: { name: 'helene', variant: 'layerwise', blocks: 'row' }, anchor: { 'demo-mlp': 0.01, 'least-squares': 0.0003, 'tiny-encoder': 0.001, 'tiny-encoder-body': 0.3 } },
  { label: 'zo-adam', config: { name: 'zo-adam' }, anchor: { 'demo-mlp': 0.003, 'least-squares': 0.01 } },
  { label: 'hizoo', config: { name: 'hizoo' }, anchor: { 'demo-mlp': 0.018, 'least-squares': 0.001 } },
  // FZOO and the ZO-Bench set (docs/helene-notes.md, "Baselines: FZOO and the ZO-Bench set").
  { label: 'fzoo', config: { name: 'fzoo' }, anchor: { 'demo-mlp': 0.01, 'least-squares': 0.03 } },
  { label: 'zo-sgd-sign', config: { name: 'zo-sgd-sign' }, anchor: { 'demo-mlp': 0.003, 'least-squares': 0.01 } },
  { label: 'zo-sgd-momentum', config: { name: 'zo-sgd-momentum' }, anchor: { 'demo-mlp': 0.0003, 'least-squares': 0.0001 } },
  { label: 'zo-sgd-cons', config: { name: 'zo-sgd-cons' }, anchor: { 'demo-mlp': 0.003, 'least-squares': 0.001 } },
];

export const QUICK_OPTIMIZERS = ['mezo', 'helene-paper', 'helene-layerwise-row'];
