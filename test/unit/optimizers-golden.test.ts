/**
 * Every optimizer against the independent float64 traces in test/fixtures/golden (computed from the
 * spec by make_golden.py): each step's theta and every recorded state quantity, at the tolerances
 * the golden README measured for a float32 implementation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOptimizer, learningRateAt } from '../../runtime/optim';
import { Helene } from '../../runtime/optim/helene';
import { HiZOO } from '../../runtime/optim/hizoo';
import { ZoAdam } from '../../runtime/optim/zo-adam';
import type { OptimizerConfig } from '../../runtime/protocol';
import { assertClose, projectedGradientTolerance, golden, GoldenDirections, goldenLayers, LeastSquaresOracle, optimizerConfigFor } from './golden-harness';

const RTOL: Record<string, number> = { mezo: 5e-4, helene: 1e-5, hizoo: 3e-3, 'zo-adam': 1e-5, fzoo: 1e-5 };

async function runCase(caseName: string, name: OptimizerConfig['name'], check: (step: Record<string, any>, opt: any, out: any) => void) {
  const layers = goldenLayers();
  const config = optimizerConfigFor(caseName, name);
  const opt = createOptimizer(layers, config, golden.steps);
  const oracle = new LeastSquaresOracle(layers);
  const directions = new GoldenDirections();
  const rtol = RTOL[name];
  for (const expected of golden.cases[caseName].trace) {
    const t = expected.t as number;
    const lr = learningRateAt(t, config.lr, config.schedule, config.warmup, golden.steps);
    assertClose([lr], [expected.lr], 1e-12, `${caseName} t=${t} lr`);
    const out = await opt.step({ t, lr, oracle, directions, collectStats: true });
    assertClose([out.loss], [expected.loss], rtol, `${caseName} t=${t} loss`);
    for (const l of layers) assertClose(l.theta, expected.theta[l.name], rtol, `${caseName} t=${t} theta ${l.name}`);
    check(expected, opt, out);
  }
  return { opt, oracle };
}

test('MeZO matches the golden trace (theta, c, loss; weight decay on rank >= 2 only)', async () => {
  const { oracle } = await runCase('mezo', 'mezo', (e, _opt, out) =>
    assertClose([out.c], [e.c], 0, `mezo t=${e.t} c`, projectedGradientTolerance(Math.max(...e.l_plus), 1e-2)),
  );
  assert.equal(oracle.calls, 2 * golden.steps, 'MeZO runs two forward passes per step');
});

for (const caseName of ['helene_defaults', 'helene_ema_batch_constant', 'helene_explicit_rho_wd_cosine']) {
  test(`HELENE ${caseName} matches the golden trace (theta, m, h, alpha, lambda, floor fraction)`, async () => {
    await runCase(caseName, 'helene', (e, opt: Helene, out) => {
      const tag = `${caseName} t=${e.t}`;
      assertClose([out.alpha], [e.alpha], 1e-12, `${tag} alpha`);
      assertClose([out.c], [e.c], 0, `${tag} c`, projectedGradientTolerance(Math.max(...e.l_plus), 1e-2));
      assert.equal(opt.isRefreshStep(e.t), e.refresh, `${tag} refresh`);
      opt.layers.forEach((l, i) => {
        assertClose(opt.m[i], e.m[l.name], 1e-5, `${tag} m ${l.name}`);
        assertClose(opt.h[i], e.h[l.name], 1e-5, `${tag} h ${l.name}`);
        assertClose([opt.lambdas[i]], [e.lambda[l.name]], 1e-5, `${tag} lambda ${l.name}`);
        assert.equal(opt.floorFraction(i), e.floor_fraction[l.name], `${tag} floor fraction ${l.name}`);
      });
      const stats = opt.layerStats(e.lr);
      stats.forEach((s, i) => assert.equal(s.floorFraction, opt.floorFraction(i)));
    });
  });
}

test('HiZOO matches the golden trace (three passes, H updated before the step)', async () => {
  const { oracle } = await runCase('hizoo', 'hizoo', (e, opt: HiZOO) => {
    opt.layers.forEach((l, i) => assertClose(opt.H[i], e.H[l.name], 3e-3, `hizoo t=${e.t} H ${l.name}`));
  });
  assert.equal(oracle.calls, 3 * golden.steps, 'HiZOO runs three forward passes per step');
});

test('ZO-Adam matches the golden trace (bias-corrected moments, linear schedule)', async () => {
  await runCase('zo_adam', 'zo-adam', (e, opt: ZoAdam) => {
    opt.layers.forEach((l, i) => {
      assertClose(opt.m[i], e.m[l.name], 1e-5, `zo-adam t=${e.t} m ${l.name}`);
      assertClose(opt.v[i], e.v[l.name], 1e-5, `zo-adam t=${e.t} v ${l.name}`);
    });
  });
});

test('FZOO matches the golden trace (N one-sided Rademacher directions, population std)', async () => {
  const { oracle } = await runCase('fzoo', 'fzoo', () => {});
  assert.equal(oracle.calls, (4 + 1) * golden.steps, 'FZOO runs N + 1 forward passes per step');
});

test('the perturbed passes leave theta bit-exactly unchanged (perturbation is theta + scale·dir, never written back)', async () => {
  const layers = goldenLayers();
  const before = layers.map((l) => Buffer.from(l.theta.buffer.slice(0)));
  const oracle = new LeastSquaresOracle(layers);
  const directions = new GoldenDirections();
  await directions.normal(1, layers);
  await oracle.losses(1e-2);
  await oracle.losses(-1e-2);
  await oracle.losses(0);
  layers.forEach((l, i) => assert.ok(Buffer.from(l.theta.buffer).equals(before[i]), `${l.name} changed`));
});
