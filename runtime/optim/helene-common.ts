/**
 * Pieces shared by the HELENE variants (helene-*.ts). The spec-exact HELENE stays in helene.ts with
 * its own kernels (helene-kernels.ts); these are the same formulas with the knobs the variants need.
 * momentum, curvatureEma and elementUpdate (with decayedElementUpdate) run on the WebAssembly SIMD
 * kernel for tensors of 256 elements and more (helene-update-simd.ts, the same bits); the JS loops
 * here are its definition.
 */
import type { LayerStat, OptimizerConfig } from '../protocol';
import { curvatureEmaSimd, elementUpdateSimd, heleneKernelFor, momentumSimd } from './helene-update-simd';

/** Spec step 4: alpha_t = beta1 + (1 − beta1) exp(−t / T), T = config.T or 10% of the run. */
export function annealing(config: OptimizerConfig, t: number, totalSteps: number): number {
  const T = config.T ?? Math.max(1, 0.1 * totalSteps);
  return config.beta1 + (1 - config.beta1) * Math.exp(-t / T);
}

/** Weight of g in the momentum: alpha_t (annealed) or 1 − beta1 (ema ablation). */
export function gradientWeight(config: OptimizerConfig, alpha: number): number {
  return config.momentum === 'annealed' ? alpha : 1 - config.beta1;
}

/** m = beta1 m + g z (z = the layer's direction; a zero direction only decays m). */
export function momentum(m: Float32Array, z: Float32Array, beta1: number, g: number): void {
  const k = heleneKernelFor(m.length);
  if (k) return momentumSimd(k, m, z, beta1, g);
  for (let j = 0; j < m.length; j++) m[j] = beta1 * m[j] + g * z[j];
}

/** h = beta2 h + s z⊙z (the A-GNB refresh); returns the new mean of h over the layer. */
export function curvatureEma(h: Float32Array, z: Float32Array, beta2: number, s: number): number {
  const k = heleneKernelFor(h.length);
  if (k) return curvatureEmaSimd(k, h, z, beta2, s) / h.length;
  let sum = 0;
  for (let j = 0; j < h.length; j++) sum += h[j] = beta2 * h[j] + s * z[j] * z[j];
  return sum / h.length;
}

/** Sum of squares |z|² of one layer's direction. */
export function squaredNorm(z: Float32Array): number {
  let s = 0;
  for (let j = 0; j < z.length; j++) s += z[j] * z[j];
  return s;
}

/**
 * theta −= lr (clip(m / (scale max(h_j, lambda) + epsDen), ±rho) + decay theta), returns |update|².
 * `scale` folds gamma and any bias correction of h (and of lambda, which is a multiple of h).
 * The state guard's finiteness test is folded in, as in helene.ts: the result is non-finite exactly
 * when a stored theta or a read m or h is (else it is |update|², bit for bit).
 */
export function elementUpdate(theta: Float32Array, m: Float32Array, h: Float32Array, lambda: number, lr: number, scale: number, epsDen: number, rho: number, decay: number): number {
  // The WebAssembly SIMD kernel computes the same bits (helene-update-simd.wat); this loop is its
  // definition and the fallback (short tensors, no SIMD, HELENE_UPDATE_KERNEL=js).
  const k = heleneKernelFor(theta.length);
  if (k) return elementUpdateSimd(k, theta, m, h, false, 1, lambda, lr, scale, epsDen, rho, decay);
  let sq = 0;
  let probe = 0;
  for (let j = 0; j < theta.length; j++) {
    const hj = h[j];
    const mj = m[j];
    let ratio = mj / (scale * (hj > lambda ? hj : lambda) + epsDen);
    ratio = ratio > rho ? rho : ratio < -rho ? -rho : ratio;
    const delta = lr * (ratio + decay * theta[j]);
    const next = Math.fround(theta[j] - delta);
    theta[j] = next;
    probe += next + mj + hj;
    sq += delta * delta;
  }
  return sq + probe * 0;
}

/** m *= beta1: the momentum of a step whose direction is 0 (layerwise: blocks not perturbed). */
export function decayMomentum(m: Float32Array, beta1: number): void {
  for (let j = 0; j < m.length; j++) m[j] *= beta1;
}

/**
 * decayMomentum(m, beta1) then elementUpdate: on the SIMD kernel one pass over memory instead of two
 * (the same bits: the kernel stores m = f32(m · beta1) and updates with it, as the two loops do).
 */
export function decayedElementUpdate(theta: Float32Array, m: Float32Array, h: Float32Array, beta1: number, lambda: number, lr: number, scale: number, epsDen: number, rho: number, decay: number): number {
  const k = heleneKernelFor(theta.length);
  if (k) return elementUpdateSimd(k, theta, m, h, true, beta1, lambda, lr, scale, epsDen, rho, decay);
  decayMomentum(m, beta1);
  return elementUpdate(theta, m, h, lambda, lr, scale, epsDen, rho, decay);
}

/** theta −= lr (clip(m / den, ±rho) + decay theta) with one denominator for the whole layer. */
export function layerUpdate(theta: Float32Array, m: Float32Array, den: number, lr: number, rho: number, decay: number): number {
  let sq = 0;
  for (let j = 0; j < theta.length; j++) {
    let ratio = m[j] / den;
    ratio = ratio > rho ? rho : ratio < -rho ? -rho : ratio;
    const delta = lr * (ratio + decay * theta[j]);
    theta[j] -= delta;
    sq += delta * delta;
  }
  return sq;
}

/** Per-layer view of an element-wise h as the panel shows it, with h and lambda scaled by `scale`. */
export function elementStats(h: Float32Array, lambda: number, scale: number, lr: number, gamma: number, epsDen: number): Pick<LayerStat, 'hMean' | 'hMin' | 'hMax' | 'hMedian' | 'lambda' | 'floorFraction' | 'effectiveStep'> {
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  let below = 0;
  let stepSum = 0;
  for (let j = 0; j < h.length; j++) {
    const v = h[j];
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
    if (v < lambda) below++;
    stepSum += lr / (gamma * scale * (v > lambda ? v : lambda) + epsDen);
  }
  const sorted = Float64Array.from(h.length > 4097 ? h.filter((_, j) => j % Math.floor(h.length / 4097) === 0) : h).sort();
  const n = sorted.length;
  const median = n % 2 ? sorted[(n - 1) >> 1] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
  return {
    hMean: (scale * sum) / h.length,
    hMin: scale * min,
    hMax: scale * max,
    hMedian: scale * median,
    lambda: scale * lambda,
    floorFraction: below / h.length,
    effectiveStep: stepSum / h.length,
  };
}

export const rhoOf = (config: OptimizerConfig): number => config.rho ?? Infinity;

/** 1 − beta2^n, the share of E[h_hat] an EMA started at 0 holds after n refreshes. */
export function biasCorrection(beta2: number, refreshes: number): number {
  return refreshes > 0 ? 1 - Math.pow(beta2, refreshes) : 1;
}

/**
 * lambda_i on the uncorrected h scale. Relative mode: kappa mean(h) (scales with h, so the correction
 * cancels). Constant / explicit floors are given on the corrected scale, so they are divided back.
 */
export function floorFor(cfg: OptimizerConfig, layerName: string, meanH: number, correction: number): number {
  switch (cfg.lambdaMode) {
    case 'relative':
      return cfg.kappa * meanH;
    case 'constant':
      return cfg.lambda * correction;
    case 'explicit': {
      const hit = cfg.lambdaMap.find(([pattern]) => new RegExp(pattern).test(layerName));
      if (!hit) throw new Error(`optimizer.lambdaMap has no pattern matching layer "${layerName}"`);
      return hit[1] * correction;
    }
  }
}
