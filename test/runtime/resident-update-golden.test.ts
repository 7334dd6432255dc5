/**
 * The resident update graphs (runtime/engine/resident/) on the CPU EP against the golden traces
 * (test/fixtures/golden, independent float64 from the spec) and against the CPU optimizers, step by
 * step, with the golden directions injected as z (the z graph is tested apart, resident-z.test.ts).
 * Tolerances: the golden README's for a float32 implementation (MeZO rtol 5e-4, HELENE 1e-5, atol
 * 1e-6). Against the CPU optimizers, whose kernels round once per element from float64 where a graph
 * rounds after each float32 op, and the difference feeds back through c: rtol 1e-5 (the golden
 * README's float32 tolerance), measured up to 3.3e-6 (HELENE m with ρ-clipping at t = 6).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOptimizer, learningRateAt } from '../../runtime/optim';
import type { Helene } from '../../runtime/optim/helene';
import type { OptimizerConfig } from '../../runtime/protocol';
import { createResidentOptimizer } from '../../runtime/engine/resident/create-resident';
import type { ResidentGraphs } from '../../runtime/engine/resident/resident-graphs';
import type { ResidentHelene } from '../../runtime/engine/resident/resident-helene';
import { assertClose, golden, GoldenDirections, goldenLayers, LeastSquaresOracle, optimizerConfigFor } from '../unit/golden-harness';

const RTOL: Record<string, number> = { mezo: 5e-4, helene: 1e-5 };
const VS_CPU_RTOL = 1e-5;

async function runResidentCase(caseName: string, name: OptimizerConfig['name'], check: (e: Record<string, any>, opt: any, cpu: any) => void) {
  const layers = goldenLayers();
  const cpuLayers = goldenLayers();
  const config = optimizerConfigFor(caseName, name);
  const opt = (await createResidentOptimizer(layers, config, golden.steps, { hi: 0, lo: 1 }, { provider: 'cpu', threads: 1 })) as any;
  const graphs: ResidentGraphs = opt.graphs;
  // Inject the golden z into the z state (host mode: it is layer.dir) instead of the z graph.
  const directions = new GoldenDirections();
  graphs.generateZ = async (_seed, t) => directions.normal(t, layers);
  const cpu = createOptimizer(cpuLayers, config, golden.steps);
  const oracle = new LeastSquaresOracle(layers);
  const cpuOracle = new LeastSquaresOracle(cpuLayers);
  for (const expected of golden.cases[caseName].trace) {
    const t = expected.t as number;
    const lr = learningRateAt(t, config.lr, config.schedule, config.warmup, golden.steps);
    const out = await opt.step({ t, lr, oracle, directions, collectStats: true });
    await cpu.step({ t, lr, oracle: cpuOracle, directions: new GoldenDirections(), collectStats: true });
    assertClose([out.loss], [expected.loss], RTOL[name], `${caseName} t=${t} loss`);
    layers.forEach((l, i) => {
      assertClose(l.theta, expected.theta[l.name], RTOL[name], `${caseName} t=${t} theta ${l.name} vs golden`);
      assertClose(l.theta, cpuLayers[i].theta, VS_CPU_RTOL, `${caseName} t=${t} theta ${l.name} vs the CPU optimizer`);
    });
    check(expected, opt, cpu);
  }
  await graphs.release();
  return opt;
}

test('resident MeZO update graph: θ matches the golden trace and the CPU MeZO at every step; update norms are the CPU ones', async () => {
  const opt = await runResidentCase('mezo', 'mezo', (e, o, cpu) => {
    const a = o.layerStats();
    const b = cpu.layerStats();
    a.forEach((s: any, i: number) => assertClose([s.updateRms], [b[i].updateRms], 1e-5, `mezo t=${e.t} update RMS ${s.name}`));
  });
  assert.equal(opt.name, 'mezo');
});

for (const caseName of ['helene_defaults', 'helene_ema_batch_constant', 'helene_explicit_rho_wd_cosine']) {
  test(`resident HELENE update graph (${caseName}): θ, m, h, λ match the golden trace and the CPU HELENE at every step`, async () => {
    await runResidentCase(caseName, 'helene', (e, o: ResidentHelene, cpu: Helene) => {
      const tag = `${caseName} t=${e.t}`;
      o.layers.forEach((l, i) => {
        assertClose(o.arrays.m[i], e.m[l.name], 1e-5, `${tag} m ${l.name}`);
        assertClose(o.arrays.h[i], e.h[l.name], 1e-5, `${tag} h ${l.name}`);
        assertClose([o.arrays.lambda[i]], [e.lambda[l.name]], 1e-5, `${tag} lambda ${l.name}`);
        assertClose(o.arrays.m[i], cpu.m[i], VS_CPU_RTOL, `${tag} m ${l.name} vs CPU`);
        assertClose(o.arrays.h[i], cpu.h[i], VS_CPU_RTOL, `${tag} h ${l.name} vs CPU`);
      });
    });
  });
}

test('engine.resident refuses an optimizer without an update graph, naming the setting', async () => {
  const config = optimizerConfigFor('zo_adam', 'zo-adam');
  await assert.rejects(createResidentOptimizer(goldenLayers(), config, 7, { hi: 0, lo: 1 }, { provider: 'cpu', threads: 1 }), /engine\.resident: engine\.resident supports optimizer "mezo" and "helene" with variant "paper" .* optimizer\.name "zo-adam" has none yet/);
});
