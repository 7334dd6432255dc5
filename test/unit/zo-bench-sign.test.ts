/** ZO-SGD-Sign: theta <- theta − lr (sign(c) z + wd theta), checked against float64 arithmetic done here. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOptimizer } from '../../runtime/optim';
import { assertNear, DECAYED, directionsFor, exactC, FixedDirections, flatTheta, makeLayers, meanLoss, optimizerConfig, QuadraticOracle, THETA0 } from './zo-bench-harness';

test('ZO-SGD-Sign steps by lr·sign(c)·z plus coupled decay on rank-2 tensors only (4 steps)', async () => {
  const lr = 0.02;
  const eps = 0.05;
  const wd = 0.1;
  const zs = directionsFor(4);
  const layers = makeLayers();
  const opt = createOptimizer(layers, optimizerConfig('zo-sgd-sign', { lr, eps, weightDecay: wd }), 4);
  const oracle = new QuadraticOracle(layers);
  let theta = [...THETA0];
  const signs: number[] = [];
  for (let t = 1; t <= 4; t++) {
    const z = zs[t - 1];
    const c = exactC(theta, z);
    // Logged loss: mean of (l+ + l−)/2 = L(theta) + eps^2/2 · mean_b (a_b·z)^2 on a quadratic.
    const lPlus = meanLoss(theta.map((v, j) => v + eps * z[j]));
    const lMinus = meanLoss(theta.map((v, j) => v - eps * z[j]));
    signs.push(Math.sign(c));
    theta = theta.map((v, j) => v - lr * (Math.sign(c) * z[j] + wd * DECAYED[j] * v));
    const out = await opt.step({ t, lr, oracle, directions: new FixedDirections(zs), collectStats: true });
    assert.equal(out.forwardPasses, 2);
    assertNear([out.c!], [c], 1e-4, `t=${t} c`);
    assertNear([out.loss], [(lPlus + lMinus) / 2], 1e-6, `t=${t} loss`);
    assertNear(flatTheta(layers), theta, 2e-6, `t=${t} theta`);
  }
  assert.ok(signs.includes(1) && signs.includes(-1), `the steps cover both signs of c (${signs})`);
  assert.equal(oracle.purposes.length, 8);
  assert.ok(oracle.purposes.every((p) => p === 'estimate'));
  // The step length does not grow with |c|: every update is lr · |z| per element (+ decay).
  const stats = opt.layerStats(lr);
  assert.ok(stats.every((s) => Number.isFinite(s.updateRms) && s.updateRms > 0));
});
