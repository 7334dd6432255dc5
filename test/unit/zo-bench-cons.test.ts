/**
 * ZO-SGD-Cons: five passes (L0, l±, theta ∓ lr c z), keep the lowest of {descent, stay, ascent}; the
 * candidates are evaluated in-graph (scale = ∓lr c, dir = z), never by copying theta.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOptimizer } from '../../runtime/optim';
import type { ZoSgdCons } from '../../runtime/optim/zo-sgd-cons';
import type { LossOracle, LossPurpose } from '../../runtime/optim/optimizer';
import { assertNear, DECAYED, directionsFor, exactC, FixedDirections, flatTheta, makeLayers, meanLoss, optimizerConfig, QuadraticOracle, THETA0 } from './zo-bench-harness';

test('ZO-SGD-Cons takes the descent step when it lowers the loss, and stays when both candidates overshoot', async () => {
  const eps = 0.05;
  const zs = directionsFor(2);
  const layers = makeLayers();
  const opt = createOptimizer(layers, optimizerConfig('zo-sgd-cons', { lr: 1, eps }), 2) as ZoSgdCons;
  const oracle = new QuadraticOracle(layers);
  const directions = new FixedDirections(zs);

  // Step 1, small lr: phi(s) = L(theta + s z) is a parabola, so theta − lr c z with small lr descends.
  let theta = [...THETA0];
  const lr1 = 0.02;
  const c1 = exactC(theta, zs[0]);
  const L0 = meanLoss(theta);
  const descent = theta.map((v, j) => v - lr1 * c1 * zs[0][j]);
  assert.ok(meanLoss(descent) < L0, 'the reference says descent wins');
  const out1 = await opt.step({ t: 1, lr: lr1, oracle, directions, collectStats: false });
  assert.equal(out1.forwardPasses, 5);
  assert.deepEqual(oracle.purposes, ['estimate', 'estimate', 'estimate', 'candidate', 'candidate']);
  assert.equal(opt.lastChoice, 1);
  assertNear([out1.loss], [L0], 1e-6, 'logged loss is L0');
  assertNear(flatTheta(layers), descent, 1e-6, 'theta after step 1');
  // Bit-exactly the candidate the graph evaluated: the loss at the new theta equals that pass's loss.
  const candidateLoss = (await oracle.losses(-0)).reduce((s, v) => s + v, 0) / 4;
  assertNear([candidateLoss], [meanLoss(descent)], 1e-6, 'loss at the committed theta');

  // Step 2, lr far past the curvature's limit: both theta ∓ lr c z overshoot, so theta stays.
  theta = flatTheta(layers);
  const lr2 = 50;
  const c2 = exactC(theta, zs[1]);
  const L0b = meanLoss(theta);
  assert.ok(meanLoss(theta.map((v, j) => v - lr2 * c2 * zs[1][j])) > L0b && meanLoss(theta.map((v, j) => v + lr2 * c2 * zs[1][j])) > L0b);
  await opt.step({ t: 2, lr: lr2, oracle, directions, collectStats: false });
  assert.equal(opt.lastChoice, 0);
  assert.deepEqual(flatTheta(layers), theta, 'no step: theta bit-exactly unchanged (no weight decay)');
  assert.deepEqual(opt.choices, [1, 1, 0]);
});

/** Scripted batch-mean losses per pass, to reach the branches a convex quadratic never takes. */
class ScriptedOracle implements LossOracle {
  readonly calls: { scale: number; purpose: LossPurpose }[] = [];
  constructor(private readonly script: number[]) {}
  async losses(scale: number, purpose: LossPurpose = 'estimate'): Promise<Float32Array> {
    this.calls.push({ scale, purpose });
    return Float32Array.of(this.script[this.calls.length - 1]);
  }
}

test('ZO-SGD-Cons takes the opposite step when it is the best, rejects a NaN candidate, and decays after choosing', async () => {
  const eps = 0.01;
  const lr = 0.1;
  const wd = 0.5;
  const zs = directionsFor(2);
  // Passes: L0, l+, l−, descent, ascent. c = (2.2 − 1.8) / (2 eps) = 20.
  const oracle = new ScriptedOracle([2.0, 2.2, 1.8, 2.5, 1.5, /* step 2 */ 2.0, 2.2, 1.8, NaN, 2.1]);
  const layers = makeLayers();
  const opt = createOptimizer(layers, optimizerConfig('zo-sgd-cons', { lr, eps, weightDecay: wd }), 2) as ZoSgdCons;
  const directions = new FixedDirections(zs);
  const out = await opt.step({ t: 1, lr, oracle, directions, collectStats: false });
  assertNear([out.c!], [20], 1e-5, 'c');
  assert.equal(opt.lastChoice, -1, 'ascent had the lowest loss');
  assertNear([oracle.calls[3].scale, oracle.calls[4].scale], [-lr * 20, lr * 20], 1e-5, 'candidate scales ∓lr·c');
  const expected = THETA0.map((v, j) => v + lr * 20 * zs[0][j] - lr * wd * DECAYED[j] * v);
  assertNear(flatTheta(layers), expected, 1e-6, 'theta + lr c z, then coupled decay');
  const before = flatTheta(layers);
  await opt.step({ t: 2, lr, oracle, directions, collectStats: false });
  assert.equal(opt.lastChoice, 0, 'a NaN descent candidate is rejected; 2.1 > L0 = 2.0: stay');
  assertNear(flatTheta(layers), before.map((v, j) => v - lr * wd * DECAYED[j] * v), 1e-6, 'stay still decays');
});
