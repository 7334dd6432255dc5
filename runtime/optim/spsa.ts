/**
 * The two-sided SPSA estimate shared by MeZO, HELENE and ZO-Adam (spec steps 2–3):
 *   l_b± = loss of example b at theta ± eps z   (two forward passes on the same batch)
 *   c_b = (l_b+ − l_b−) / (2 eps),  c = mean_b c_b
 * The logged loss is the batch mean of (l+ + l−) / 2.
 */
import type { LossOracle } from './optimizer';

export interface ProjectedGradients {
  /** Per-example projected gradients c_b. */
  cb: Float64Array;
  c: number;
  /** Mean of c_b^2 (HELENE's per-example A-GNB scale). */
  meanSquare: number;
  loss: number;
  lPlus: Float32Array;
  lMinus: Float32Array;
}

export async function projectedGradients(oracle: LossOracle, eps: number): Promise<ProjectedGradients> {
  // Copy: an engine may reuse its output buffer between runs (lossPair returns copies).
  const pair = oracle.lossPair ? await oracle.lossPair(eps) : null;
  const lPlus = pair ? pair.plus : Float32Array.from(await oracle.losses(+eps));
  const lMinus = pair ? pair.minus : Float32Array.from(await oracle.losses(-eps));
  const B = lPlus.length;
  const cb = new Float64Array(B);
  let c = 0;
  let meanSquare = 0;
  let loss = 0;
  for (let b = 0; b < B; b++) {
    cb[b] = (lPlus[b] - lMinus[b]) / (2 * eps);
    c += cb[b];
    meanSquare += cb[b] * cb[b];
    loss += (lPlus[b] + lMinus[b]) / 2;
  }
  return { cb, c: c / B, meanSquare: meanSquare / B, loss: loss / B, lPlus, lMinus };
}
