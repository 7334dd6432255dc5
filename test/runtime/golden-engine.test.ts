/**
 * The golden traces through the real stack: the least-squares model built as an ONNX graph, the
 * surgery that moves trainables to theta/dir inputs with in-graph perturbation, onnxruntime-node on
 * CPU, and the optimizers — with the golden directions injected. Proves the graph computes
 * theta + scale·dir and per-example losses exactly as the spec's loss, and never writes theta.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { buildLeastSquares } from '../../runtime/onnx/graph-builder';
import { prepareTrainingGraph } from '../../runtime/onnx/surgery';
import { TrainingEngine } from '../../runtime/engine/training-engine';
import { createOptimizer, learningRateAt } from '../../runtime/optim';
import type { TrainableLayer } from '../../runtime/optim/optimizer';
import { assertClose, golden, GoldenDirections, goldenLayers, optimizerConfigFor } from '../unit/golden-harness';

async function goldenEngine(layers: TrainableLayer[]): Promise<TrainingEngine> {
  const graph = prepareTrainingGraph(buildLeastSquares({ layers: golden.layers }), {
    modelName: 'least-squares',
    trainable: golden.layers.map((l) => `^${l.name.replace('.', '\\.')}$`),
    loss: { kind: 'output', output: 'loss' },
  });
  const byName = new Map(graph.trainables.map((t) => [t.name, t]));
  const engine = await TrainingEngine.create(
    { model: graph.bytes, lossOutput: graph.lossOutput, scaleInput: graph.scaleInput, thetaInput: (n) => byName.get(n)!.thetaInput, dirInput: (n) => byName.get(n)!.dirInput },
    layers,
    { provider: 'cpu', threads: 1, kernelThreads: 0 },
  );
  const B = golden.batch.y.length;
  engine.setBatch({
    a: new ort.Tensor('float32', Float32Array.from(golden.batch.a.flat()), [B, golden.batch.a[0].length]),
    y: new ort.Tensor('float32', Float32Array.from(golden.batch.y), [B]),
  });
  return engine;
}

for (const [caseName, name, rtol] of [
  ['mezo', 'mezo', 5e-4],
  ['helene_defaults', 'helene', 1e-5],
  ['helene_explicit_rho_wd_cosine', 'helene', 1e-5],
  ['hizoo', 'hizoo', 3e-3],
  ['zo_adam', 'zo-adam', 1e-5],
  ['fzoo', 'fzoo', 1e-5],
] as const) {
  test(`golden ${caseName} through onnxruntime (in-graph perturbation) matches`, async () => {
    const layers = goldenLayers();
    const engine = await goldenEngine(layers);
    const config = optimizerConfigFor(caseName, name);
    const opt = createOptimizer(layers, config, golden.steps);
    const directions = new GoldenDirections();
    try {
      for (const expected of golden.cases[caseName].trace) {
        const t = expected.t;
        const lr = learningRateAt(t, config.lr, config.schedule, config.warmup, golden.steps);
        const out = await opt.step({ t, lr, oracle: engine, directions, collectStats: false });
        assertClose([out.loss], [expected.loss], rtol, `${caseName} t=${t} loss`);
        for (const l of layers) assertClose(l.theta, expected.theta[l.name], rtol, `${caseName} t=${t} theta ${l.name}`);
      }
    } finally {
      await engine.release();
    }
  });
}

test('perturbed passes through onnxruntime leave theta bit-exactly unchanged and losses match theta ± eps z', async () => {
  const layers = goldenLayers();
  const engine = await goldenEngine(layers);
  try {
    await new GoldenDirections().normal(1, layers);
    const before = layers.map((l) => Float32Array.from(l.theta));
    const lPlus = Float32Array.from(await engine.losses(1e-2));
    const lMinus = Float32Array.from(await engine.losses(-1e-2));
    const l0 = Float32Array.from(await engine.losses(0));
    layers.forEach((l, i) => assert.deepEqual(l.theta, before[i], `${l.name} changed by the perturbed passes`));
    // Golden step 1 records l± at theta0 ± eps z_1.
    const step1 = golden.cases.mezo.trace[0];
    assertClose(lPlus, step1.l_plus, 1e-5, 'l+');
    assertClose(lMinus, step1.l_minus, 1e-5, 'l-');
    assertClose(l0, golden.cases.hizoo.trace[0].l_zero, 1e-5, 'l0');
  } finally {
    await engine.release();
  }
});
