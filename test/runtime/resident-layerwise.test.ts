/**
 * Block-coordinate HELENE (`variant: layerwise`, the HELENE preset) with the resident step on the CPU
 * EP, against the CPU optimizer (../../runtime/optim/helene-layerwise.ts) fed the same directions:
 * the resident z of the chosen block's layer, restricted to the block (what the z graph's mask makes).
 * Least squares on the golden layers (test/fixtures/golden: [2,3], [2], [1,4]), 60 steps, so every
 * block, row blocks included, is refreshed several times. θ, m, h and the block bookkeeping (λ,
 * refreshes, block means) step by step.
 * The CPU optimizer gets the losses the resident one saw (replayed), so both use the same c: with
 * ε = 1e-3 a θ difference of one float32 ulp moves c by ~1e-6 relative, and left to feed back that
 * grows by ~1.4× per step (measured: 3e-8 at step 1, 7e-5 at step 20) — chaos of the estimator, not
 * a difference of the update. Tolerance: rtol 1e-5 of each vector's scale (the golden README's
 * float32 tolerance, as resident-update-golden.test.ts): the graphs round per float32 op, the CPU
 * kernels once per element from float64. Measured: printed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeleneLayerwise } from '../../runtime/optim/helene-layerwise';
import { createResidentOptimizer } from '../../runtime/engine/resident/create-resident';
import { fillResidentNormal } from '../../runtime/engine/resident/z-reference';
import { stepSeed, zKey, type Seed64 } from '../../runtime/rng/seeds';
import type { DirectionSource, TrainableLayer } from '../../runtime/optim/optimizer';
import type { OptimizerConfig } from '../../runtime/protocol';
import { Trainer } from '../../runtime/run/trainer';
import { readRunFolderSync } from '../../runtime/run/run-reader';
import { DEVICE_STATE_ENV } from '../../runtime/engine/resident/create-resident';
import { assertClose, goldenLayers, LeastSquaresOracle, optimizerConfigFor } from '../unit/golden-harness';
import { comparable, demoConfig, latestCheckpointTensors } from './helpers';

const SEED: Seed64 = { hi: 0, lo: 1 };
const STEPS = 60;
const RTOL = 1e-5;

/** Real losses for the resident optimizer, recorded; the CPU optimizer's oracle replays them in order. */
class RecordingOracle extends LeastSquaresOracle {
  readonly seen: Float32Array[] = [];
  override async losses(scale: number): Promise<Float32Array> {
    const l = await super.losses(scale);
    this.seen.push(l);
    return l;
  }
}

/** The resident stream of the block's layer (key of the layer's position), restricted to the block's elements. */
class ResidentBlockDirections implements DirectionSource {
  constructor(private readonly layers: TrainableLayer[]) {}
  async normal(t: number, views: TrainableLayer[]): Promise<void> {
    for (const view of views) {
      if (view.size === 0) continue;
      const i = this.layers.findIndex((l) => l.dir.buffer === view.dir.buffer);
      const layer = this.layers[i];
      const full = new Float32Array(layer.size);
      fillResidentNormal(zKey(stepSeed(SEED, t), i), full);
      const offset = (view.dir.byteOffset - layer.dir.byteOffset) / 4;
      view.dir.set(full.subarray(offset, offset + view.size));
    }
  }
  async rademacher(): Promise<void> {
    throw new Error('not used');
  }
}

function layerwiseConfig(extra: Partial<OptimizerConfig>): OptimizerConfig {
  return { ...optimizerConfigFor('helene_defaults', 'helene'), variant: 'layerwise', ...extra } as OptimizerConfig;
}

for (const [label, extra] of [
  ['the preset: blocks "row" (what "auto" picks for a long run), curvature floor 0.1', { blocks: 'row', curvatureFloor: 0.1 }],
  ['blocks "layer", absolute curvature, ρ-clip and weight decay', { blocks: 'layer', curvatureScale: 'absolute', rho: 0.5, weightDecay: 0.01 }],
] as const) {
  test(`resident layerwise HELENE (${label}): θ, m, h and the block bookkeeping follow the CPU optimizer step by step`, async () => {
    const layers = goldenLayers();
    const cpuLayers = goldenLayers();
    const config = layerwiseConfig(extra as Partial<OptimizerConfig>);
    const opt = (await createResidentOptimizer(layers, config, STEPS, SEED, { provider: 'cpu', threads: 1, deviceState: false })) as any;
    const cpu = new HeleneLayerwise(cpuLayers, structuredClone(config), STEPS);
    const oracle = new RecordingOracle(layers);
    const cpuOracle = { losses: async () => oracle.seen.shift()! };
    const directions = new ResidentBlockDirections(cpuLayers);
    let worst = 0;
    const close = (a: ArrayLike<number>, b: ArrayLike<number>, what: string) => {
      assertClose(a, b, RTOL, what);
      const scale = Math.max(...Array.from(b, Math.abs), 1e-30);
      for (let j = 0; j < a.length; j++) worst = Math.max(worst, Math.abs(a[j] - b[j]) / scale);
    };
    for (let t = 1; t <= STEPS; t++) {
      const lr = config.lr;
      const out = await opt.step({ t, lr, oracle, directions, collectStats: false });
      const ref = await cpu.step({ t, lr, oracle: cpuOracle, directions, collectStats: false });
      assert.equal(opt.state().refreshes[0].join(), cpu.refreshes.join(), `t=${t}: the same blocks chosen`);
      close([out.loss], [ref.loss], `t=${t} loss`);
      const s = opt.state();
      layers.forEach((l, i) => {
        close(l.theta, cpuLayers[i].theta, `t=${t} θ ${l.name}`);
        close(s.m[i], cpu.m[i], `t=${t} m ${l.name}`);
        close(s.h[i], cpu.h[i], `t=${t} h ${l.name}`);
      });
      close(s.lambda[0], cpu.lambdas, `t=${t} λ per block`);
      close(s.blockMeans[0], cpu.blockMeans, `t=${t} block means`);
    }
    assert.ok(cpu.refreshes.every((n) => n >= 2), `every block refreshed at least twice: ${cpu.refreshes.join()}`);
    const stats = opt.layerStats(config.lr);
    stats.forEach((st: any, i: number) => assertClose([st.hMean], [cpu.layerStats(config.lr)[i].hMean!], RTOL, `layer stats h mean ${st.name}`));
    console.log(`# resident layerwise (${label}), ${STEPS} steps, ${cpu.blocks.length} blocks: worst deviation from the CPU optimizer ${worst.toExponential(2)} of the vector's scale`);
    await opt.release();
  });
}

test('the HELENE preset (layerwise, auto blocks, floor 0.1) trains the demo with engine.resident, and device-held state equals host mode bit for bit', async () => {
  const settings = ['steps=300', 'evalEvery=0', 'statsEvery=100', 'checkpoint.every=100', 'checkpoint.keep=10', 'engine.provider="cpu"', 'engine.resident=true', 'optimizer.variant="layerwise"', 'optimizer.blocks="auto"', 'optimizer.curvatureFloor=0.1'];
  const run = async (device: boolean) => {
    if (device) process.env[DEVICE_STATE_ENV] = 'device';
    try {
      const trainer = await Trainer.create(demoConfig('helene', settings));
      assert.equal((await trainer.run()).state, 'finished');
      await trainer.close();
      return trainer.runDir;
    } finally {
      delete process.env[DEVICE_STATE_ENV];
    }
  };
  const host = await run(false);
  const device = await run(true);
  const a = readRunFolderSync(host);
  assert.deepEqual(comparable(readRunFolderSync(device).records), comparable(a.records));
  assert.deepEqual(latestCheckpointTensors(device), latestCheckpointTensors(host));
  const losses = a.records.filter((r) => r.kind === 'step').map((r) => (r as { loss: number }).loss);
  const mean = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length;
  assert.ok(mean(losses.slice(-50)) < mean(losses.slice(0, 50)), `trains: ${mean(losses.slice(0, 50))} → ${mean(losses.slice(-50))}`);
  const layers = a.records.filter((r) => r.kind === 'layers').at(-1) as { layers: { hMean?: number }[] };
  assert.ok(layers.layers.every((l) => Number.isFinite(l.hMean)), 'per-layer curvature in the layer records');
});
