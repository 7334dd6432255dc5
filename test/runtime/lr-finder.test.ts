/**
 * The lr finder on a model whose stability limit is known in closed form: full-batch least squares
 * with a diagonal Hessian, trained by MeZO.
 *
 * Model: loss_b = 0.5 (a_b · theta − y_b)^2 with a_b = s_b e_b (n = d examples, one per coordinate),
 * so the batch-mean loss is 0.5 Σ_j h_j (theta_j − theta*_j)^2 with h_j = s_j^2 / d. With B = d and no
 * shuffling every step sees the whole set, and central differences are exact on a quadratic, so MeZO's
 * step is e <- e − lr z zᵀ H e (e = theta − theta*, z ~ N(0, I)).
 * Mean-square stability: with u_j = E[e_j^2] and E[z_j^2 z_k^2] = 1 + 2 δ_jk,
 *   E[e'_j^2] = (1 − 2 lr h_j + 2 lr² h_j²) u_j + lr² Σ_k h_k² u_k,
 * i.e. u' = M u with M = diag(1 − 2 lr h + 2 lr² h²) + lr² 1 (h²)ᵀ (non-negative). The iteration is
 * stable iff the spectral radius ρ(M) < 1; lr* solves ρ(M(lr*)) = 1. (Isotropic h: lr* = 2 / ((d + 2) h),
 * the familiar d + 2 factor of SPSA.) The test computes lr* numerically (power iteration + bisection).
 *
 * What the finder can promise: its bracket [stable, unstable] has unstable / stable <= the refined grid
 * step, and one trajectory over a few dozen steps diverges a bit above the mean-square limit (a
 * trajectory's growth rate is E log, below log E), so the bracket sits within a factor 2 of lr*.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildLeastSquares } from '../../runtime/onnx/graph-builder';
import { writeModel } from '../../runtime/onnx/model-io';
import { resolveConfig, type ResolvedConfig } from '../../runtime/protocol';
import { bracketLargestStableLr, findLearningRate, type LrProbe } from '../../runtime/run/lr-finder';
import { tempDir } from './helpers';

const D = 24;
const S = Array.from({ length: D }, (_, j) => 0.5 + (2.5 * j) / (D - 1)); // s_j from 0.5 to 3
const H = S.map((s) => (s * s) / D);

function quadraticConfig(lr: number): ResolvedConfig {
  const dir = tempDir('lr-find');
  writeModel(buildLeastSquares({ layers: [{ name: 'w', shape: [D] }] }), path.join(dir, 'ls.onnx'));
  // theta starts at 0 (the builder's initializer); theta* = 1, so y_b = s_b.
  const lines = S.map((s, b) => JSON.stringify({ a: S.map((_, j) => (j === b ? s : 0)), y: s }));
  fs.writeFileSync(path.join(dir, 'train.jsonl'), lines.join('\n') + '\n');
  return resolveConfig({
    seed: 3,
    steps: 1000,
    model: { path: path.join(dir, 'ls.onnx'), trainable: ['^w$'], task: 'loss-output' },
    data: { train: path.join(dir, 'train.jsonl'), fields: { a: 'a', y: 'y' }, batchSize: D, shuffle: false },
    optimizer: { name: 'mezo', lr, eps: 1e-3 },
    engine: { provider: 'cpu', threads: 1 },
    output: { runsDir: path.join(dir, 'runs') },
  }).config;
}

/** ρ(M(lr)) by power iteration (M is non-negative and irreducible, so the iteration converges). */
function spectralRadius(lr: number): number {
  let u = new Array(D).fill(1);
  let rho = 0;
  for (let it = 0; it < 2000; it++) {
    const cross = lr * lr * H.reduce((s, h, k) => s + h * h * u[k], 0);
    const next = u.map((uj, j) => (1 - 2 * lr * H[j] + 2 * lr * lr * H[j] * H[j]) * uj + cross);
    rho = Math.max(...next) / Math.max(...u);
    const norm = Math.max(...next);
    u = next.map((x) => x / norm);
  }
  return rho;
}

function meanSquareLimit(): number {
  let lo = 1e-3;
  let hi = 100;
  for (let i = 0; i < 60; i++) {
    const mid = Math.sqrt(lo * hi);
    if (spectralRadius(mid) < 1) lo = mid;
    else hi = mid;
  }
  return lo;
}

test('the analytic limit: isotropic curvature gives 2 / ((d + 2) h)', () => {
  // Sanity of the derivation on the case with a closed form (computed with M directly).
  const h = 0.5;
  const d = 10;
  const rho = (lr: number) => 1 - 2 * lr * h + 2 * lr * lr * h * h + d * lr * lr * h * h;
  const limit = 2 / ((d + 2) * h);
  assert.ok(rho(limit * 0.99) < 1 && rho(limit * 1.01) > 1);
});

test('the bracket search closes on a step-function stability model and refines it', async () => {
  const limit = 0.037;
  const probe = async (lr: number): Promise<LrProbe> => ({ lr, diverged: lr > limit, reason: '', firstLoss: 1, lateLoss: 1, steps: 1, passes: 10 });
  const r = await bracketLargestStableLr(probe, { startLr: 1e-3, ratio: 2, lrMin: 1e-7, lrMax: 1e3, maxProbes: 12 });
  assert.ok(r.largestStable! <= limit && r.smallestUnstable! > limit);
  assert.ok(r.smallestUnstable! / r.largestStable! < 1.1, `refined to ${r.largestStable}..${r.smallestUnstable}`);
  const down = await bracketLargestStableLr(probe, { startLr: 10, ratio: 2, lrMin: 1e-7, lrMax: 1e3, maxProbes: 6 });
  assert.ok(down.largestStable! <= limit && down.smallestUnstable! > limit, 'walks down from an unstable start');
});

test('MeZO on a diagonal quadratic: the finder brackets the mean-square stability limit from its curvature', async () => {
  const lrStar = meanSquareLimit();
  const config = quadraticConfig(lrStar / 8);
  const t0 = performance.now();
  const result = await findLearningRate(config, { budgetPasses: 600 });
  const seconds = (performance.now() - t0) / 1000;
  const { largestStable, smallestUnstable, suggested } = result;
  const where = `${result.message} lr* = ${lrStar.toPrecision(4)}; probes ${result.probes.map((p) => `${p.lr.toPrecision(3)}:${p.diverged ? 'x' : 'ok'}`).join(' ')}; ${seconds.toFixed(1)} s`;
  assert.ok(largestStable !== null && smallestUnstable !== null, where);
  assert.ok(result.passes <= 600 + result.stepsPerProbe * 2, `budget kept: ${result.passes} passes`);
  assert.ok(smallestUnstable! / largestStable! <= 2, `refined bracket: ${where}`);
  assert.ok(largestStable! <= 2 * lrStar && smallestUnstable! >= lrStar / 2, `bracket within 2x of lr*: ${where}`);
  assert.ok(suggested! < lrStar, `the suggestion is below the limit: ${where}`);
  console.log(where);
});
