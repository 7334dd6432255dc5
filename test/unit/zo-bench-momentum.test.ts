/** ZO-SGD with momentum: m <- beta m + c z; theta <- theta − lr (m + wd theta), checked in float64 here. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOptimizer } from '../../runtime/optim';
import type { ZoSgdMomentum } from '../../runtime/optim/zo-sgd-momentum';
import { assertNear, DECAYED, directionsFor, exactC, FixedDirections, flatTheta, makeLayers, optimizerConfig, QuadraticOracle, THETA0 } from './zo-bench-harness';

test('ZO-SGD-momentum keeps a heavy-ball buffer of c z and decays rank-2 weights outside it (5 steps)', async () => {
  const lr = 0.01;
  const eps = 0.05;
  const beta = 0.8;
  const wd = 0.05;
  const zs = directionsFor(5);
  const layers = makeLayers();
  const opt = createOptimizer(layers, optimizerConfig('zo-sgd-momentum', { lr, eps, beta1: beta, weightDecay: wd }), 5) as ZoSgdMomentum;
  const oracle = new QuadraticOracle(layers);
  let theta = [...THETA0];
  let m = new Array(THETA0.length).fill(0);
  for (let t = 1; t <= 5; t++) {
    const z = zs[t - 1];
    const c = exactC(theta, z);
    m = m.map((mj, j) => beta * mj + c * z[j]);
    theta = theta.map((v, j) => v - lr * (m[j] + wd * DECAYED[j] * v));
    const out = await opt.step({ t, lr, oracle, directions: new FixedDirections(zs), collectStats: true });
    assert.equal(out.forwardPasses, 2);
    assertNear([out.c!], [c], 1e-4, `t=${t} c`);
    assertNear(opt.m.flatMap((a) => Array.from(a)), m, 1e-4, `t=${t} m`);
    assertNear(flatTheta(layers), theta, 1e-5, `t=${t} theta`);
  }
  assert.deepEqual(Object.keys(opt.state()), ['m'], 'the momentum buffer is checkpointed');
  assert.ok(opt.layerStats().every((s) => s.mRms! > 0));
});
