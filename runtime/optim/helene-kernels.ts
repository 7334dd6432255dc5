/**
 * The element-wise loops of the spec's HELENE step (helene.ts): momentum, the curvature refresh and the
 * pre-conditioned, optionally clipped update. Each JS loop is the definition; tensors of at least
 * HELENE_SIMD_MIN_ELEMENTS run the WebAssembly SIMD kernel instead (helene-update-simd.wat), which
 * computes the same bits (test/unit/helene-update-simd.test.ts), unless HELENE_UPDATE_KERNEL=js.
 */
import { heleneKernelFor, momentumCurvatureSimd, momentumUpdateSimd, refreshedSumSimd, updateSimd } from './helene-update-simd';
import { momentum } from './helene-common';

// Kernels: module-level functions with scalar arguments, so V8 keeps them in registers.
//
// max(h, lambda) is written 0.5 (h + lambda + |h − lambda|): h sits on both sides of lambda_i at
// random (lambda_i is the layer's mean h), so the branch of `h > lambda ? h : lambda` (and of
// Math.max) mispredicted about every other element; it measured 9.8 ns/element against 4.1 without
// it. The abs form is branch-free; in float64 it differs from the exact max by at most an ulp of
// float64, far below the float32 rounding of theta.
//
// The update kernels also carry the state guard's finiteness test (guards.ts, "folded check"): they
// read every m and h as stored (float32) and store every theta (rounded with Math.fround, exactly what
// the typed-array store does), so `probe`, the float64 sum of all three, is finite exactly when all
// of them are; sq + probe · 0 is the update norm unchanged then, and NaN otherwise. After the update
// nothing writes theta, m or h again this step, so the test covers the state the guard would scan.

/** sum + Σ over a chunk of beta2 h + s z⊙z, in momentumAndCurvature's arithmetic and order (lambda before a chunked refresh). */
export function refreshedSum(sum: number, h: Float32Array, z: Float32Array, beta2: number, s: number): number {
  const k = heleneKernelFor(h.length);
  if (k) return refreshedSumSimd(k, sum, h, z, beta2, s);
  for (let j = 0; j < h.length; j++) {
    const zj = z[j];
    sum += beta2 * h[j] + s * zj * zj;
  }
  return sum;
}

/** Momentum plus h = beta2 h + s z⊙z in one pass; returns the new mean of h over the layer. */
export function momentumAndCurvature(m: Float32Array, h: Float32Array, z: Float32Array, beta1: number, g: number, beta2: number, s: number): number {
  const k = heleneKernelFor(m.length);
  if (k) return momentumCurvatureSimd(k, m, h, z, beta1, g, beta2, s) / m.length;
  let hSum = 0;
  for (let j = 0; j < m.length; j++) {
    const zj = z[j];
    m[j] = beta1 * m[j] + g * zj;
    const hj = (h[j] = beta2 * h[j] + s * zj * zj);
    hSum += hj;
  }
  return hSum / m.length;
}

/**
 * theta -= lr (m / (gamma max(h, lambda) + epsDen) + decay theta); returns |update|²: clippedUpdate
 * with rho = +Infinity, where the clip changes no bit (a NaN or ±Infinity ratio passes it unchanged).
 * The SIMD kernel skips the clip then; in the JS fallback its two compares never branch.
 */
export function preconditionedUpdate(theta: Float32Array, m: Float32Array, h: Float32Array, lambda: number, lr: number, gamma: number, epsDen: number, decay: number): number {
  return clippedUpdate(theta, m, h, lambda, lr, gamma, epsDen, Infinity, decay);
}

/** momentum() then preconditionedUpdate() in one pass (steps off the refresh schedule): momentumClippedUpdate with rho = +Infinity. */
export function momentumUpdate(theta: Float32Array, m: Float32Array, h: Float32Array, z: Float32Array, beta1: number, g: number, lambda: number, lr: number, gamma: number, epsDen: number, decay: number): number {
  return momentumClippedUpdate(theta, m, h, z, beta1, g, lambda, lr, gamma, epsDen, Infinity, decay);
}

/** theta -= lr (clip(m / (gamma max(h, lambda) + epsDen), ±rho) + decay theta); returns |update|². */
export function clippedUpdate(theta: Float32Array, m: Float32Array, h: Float32Array, lambda: number, lr: number, gamma: number, epsDen: number, rho: number, decay: number): number {
  const k = heleneKernelFor(theta.length);
  if (k) return updateSimd(k, theta, m, h, lambda, lr, gamma, epsDen, rho, decay);
  let sq = 0;
  let probe = 0;
  for (let j = 0; j < theta.length; j++) {
    const hj = h[j];
    const mj = m[j];
    let ratio = mj / (gamma * (0.5 * (hj + lambda + Math.abs(hj - lambda))) + epsDen);
    ratio = ratio > rho ? rho : ratio < -rho ? -rho : ratio;
    const delta = lr * (ratio + decay * theta[j]);
    const next = Math.fround(theta[j] - delta);
    theta[j] = next;
    probe += next + mj + hj;
    sq += delta * delta;
  }
  return sq + probe * 0;
}

/**
 * momentum() then clippedUpdate() (steps off the refresh schedule). The SIMD kernel does both in one
 * pass over memory; the JS fallback (short tensors, no SIMD) runs the two loops, which give the same
 * bits: the update reads m back after its float32 store either way.
 */
export function momentumClippedUpdate(theta: Float32Array, m: Float32Array, h: Float32Array, z: Float32Array, beta1: number, g: number, lambda: number, lr: number, gamma: number, epsDen: number, rho: number, decay: number): number {
  const k = heleneKernelFor(theta.length);
  if (k) return momentumUpdateSimd(k, theta, m, h, z, beta1, g, lambda, lr, gamma, epsDen, rho, decay);
  momentum(m, z, beta1, g);
  return clippedUpdate(theta, m, h, lambda, lr, gamma, epsDen, rho, decay);
}
