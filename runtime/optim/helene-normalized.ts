/**
 * HELENE variant "normalized" (issue 16, direction "step normalisation as in FZOO"): the layerwise
 * preset (helene-layerwise.ts) with the projected gradient divided by the spread of the batch's loss
 * differences, as FZOO divides its step by the std of its one-sided loss differences.
 *
 * FZOO (fzoo.ts) has N directions per step and divides by sigma = std_n(L_n − L0) over them. The
 * layerwise step has one direction and B per-example differences, so the spread is taken over the
 * batch: with c_b = (l_b+ − l_b−) / (2 eps),
 *   sigma = sqrt(mean_b (c_b − c)²)   (population std; sigma = 0 gives a zero gradient term)
 *   g = alpha_t c / sigma             (in place of alpha_t c)
 * Everything else is the layerwise step (block choice, h refresh from the raw c_b², relative scale,
 * curvatureFloor, update). The gradient term is dimensionless (a signal-to-noise ratio of the batch's
 * directional derivative, bounded by sqrt(B − 1) in size): its scale no longer follows the loss, so the
 * step does not shrink as the loss falls nor jump when a batch is hard.
 */
import type { ProjectedGradients } from './spsa';
import { HeleneLayerwise } from './helene-layerwise';

export class HeleneNormalized extends HeleneLayerwise {
  override readonly name = 'helene-normalized';

  protected override gradientScale(pg: ProjectedGradients): number {
    return 1 / batchSpread(pg);
  }
}

/** Population std of the per-example projected gradients c_b; Infinity when they are all equal (zero step). */
export function batchSpread(pg: ProjectedGradients): number {
  let sq = 0;
  for (let b = 0; b < pg.cb.length; b++) sq += (pg.cb[b] - pg.c) ** 2;
  const sigma = Math.sqrt(sq / pg.cb.length);
  return sigma > 0 ? sigma : Infinity;
}
