/**
 * A probe's label in listings (the CLI's lr-find and the extension's Output channel): diverged,
 * "too high" (it raised the loss without diverging: the lr is more likely too high than too low), or
 * stable. Its own file so the extension can import it without the trainer.
 */
import type { LrProbe } from './lr-finder';

export function probeLabel(p: LrProbe): 'diverged' | 'too high' | 'stable' {
  if (p.diverged) return 'diverged';
  return p.firstLoss !== null && p.lateLoss !== null && p.lateLoss > p.firstLoss ? 'too high' : 'stable';
}
