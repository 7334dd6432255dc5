/**
 * Issue 16's candidates (docs/heldout.md), golden-style: one step on a tiny vector computed by hand.
 * The loss oracle is linear, l_b(theta) = G_b · theta, so c_b = G_b · z exactly (eps 0.5 keeps the
 * float32 losses exact enough), and every direction is injected.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig, type OptimizerConfig } from '../../runtime/protocol';
import { createOptimizer } from '../../runtime/optim';
import type { DirectionSource, LossOracle, TrainableLayer } from '../../runtime/optim/optimizer';
import { HeleneLayerwise } from '../../runtime/optim/helene-layerwise';
import { HeleneMulti, HeleneNormalized, Lozo, SparseMeZO, magnitudeQuantile } from '../../runtime/optim/helene-ablations';

/** dir of the layer at list position p, element j, step t: 1 + p + 0.1 j + 0.01 t (position-keyed, like the run's source). */
class PositionDirections implements DirectionSource {
  calls: { t: number; names: string[] }[] = [];
  async normal(t: number, layers: TrainableLayer[]): Promise<void> {
    this.calls.push({ t, names: layers.map((l) => l.name) });
    layers.forEach((l, p) => {
      for (let j = 0; j < l.size; j++) l.dir[j] = 1 + p + 0.1 * j + 0.01 * t;
    });
  }
  async rademacher(): Promise<void> {
    throw new Error('not used');
  }
}

class LinearOracle implements LossOracle {
  readonly seen: { dirs: number[][]; thetas: number[][] }[] = [];
  constructor(private readonly layers: TrainableLayer[], private readonly G: number[][]) {}
  async losses(scale: number): Promise<Float32Array> {
    this.seen.push({ dirs: this.layers.map((l) => Array.from(l.dir)), thetas: this.layers.map((l) => Array.from(l.theta)) });
    const flat = this.layers.flatMap((l) => Array.from(l.theta, (v, j) => v + scale * l.dir[j]));
    return Float32Array.from(this.G.map((g) => g.reduce((s, gj, j) => s + gj * flat[j], 0)));
  }
}

function layer(name: string, shape: number[], theta: number[]): TrainableLayer {
  const size = shape.reduce((a, b) => a * b, 1);
  return { name, shape, size, rank: shape.length, theta: Float32Array.from(theta), dir: new Float32Array(size) };
}

function config(extra: Record<string, unknown>): OptimizerConfig {
  return resolveConfig({ model: { path: 'm.onnx' }, data: { train: 'x.jsonl' }, optimizer: { eps: 0.5, ...extra } }).config.optimizer;
}

const close = (actual: ArrayLike<number>, expected: number[], tol = 1e-5, what = '') =>
  expected.forEach((e, j) => assert.ok(Math.abs(actual[j] - e) <= tol * Math.max(1, Math.abs(e)), `${what}[${j}]: ${actual[j]} vs ${e}`));

test('sparse-mezo: only the smallest-magnitude elements of a matrix (maskFraction) are perturbed, biases whole; theta -= lr c z⊙mask', async () => {
  const layers = [layer('w', [2, 2], [0.1, -2, 0.5, 3]), layer('b', [2], [1, 1])];
  const opt = createOptimizer(layers, config({ name: 'sparse-mezo', maskFraction: 0.5, refreshEvery: 50 }), 100) as SparseMeZO;
  const oracle = new LinearOracle(layers, [[1, 2, 3, 4, 5, 6]]);
  const directions = new PositionDirections();
  await opt.step({ t: 1, lr: 0.01, oracle, directions, collectStats: false });
  // |theta_w| sorted 0.1, 0.5, 2, 3: the 0.5 quantile is 0.5, so elements 0 and 2 are perturbed.
  assert.deepEqual(Array.from(opt.masks[0]!), [1, 0, 1, 0]);
  const zw = [1.01, 0, 1.21, 0]; // 1 + 0 + 0.1 j + 0.01, masked
  const zb = [2.01, 2.11];
  close(oracle.seen[0].dirs[0], zw, 1e-6, 'z_w');
  close(oracle.seen[0].dirs[1], zb, 1e-6, 'z_b');
  const c = 1 * zw[0] + 3 * zw[2] + 5 * zb[0] + 6 * zb[1];
  close(layers[0].theta, [0.1 - 0.01 * c * zw[0], -2, 0.5 - 0.01 * c * zw[2], 3], 1e-5, 'theta_w');
  close(layers[1].theta, [1 - 0.01 * c * zb[0], 1 - 0.01 * c * zb[1]], 1e-5, 'theta_b');
  assert.equal(magnitudeQuantile(Float32Array.from([3, -1, 2, 0.5]), 0.25), 0.5);
});

test('lozo: z = U V^T / sqrt(r) on matrices, V kept until the refresh, U new every step; theta -= lr c z', async () => {
  const layers = [layer('w', [2, 3], [0, 0, 0, 0, 0, 0]), layer('b', [2], [0, 0])];
  const opt = createOptimizer(layers, config({ name: 'lozo', perturbRank: 1, refreshEvery: 2 }), 100) as Lozo;
  const G = [[1, -1, 2, 0.5, 0, 1, 3, -2]];
  const oracle = new LinearOracle(layers, G);
  const directions = new PositionDirections();
  // Positions: U_w = 0, b = 1, V_w = 2 (only filled at t = 1, 3, ...).
  const u = (t: number) => [1 + 0.01 * t, 1.1 + 0.01 * t];
  const v = (t: number) => [3 + 0.01 * t, 3.1 + 0.01 * t, 3.2 + 0.01 * t];
  const bz = (t: number) => [2 + 0.01 * t, 2.1 + 0.01 * t];
  const zOf = (tu: number, tv: number) => u(tu).flatMap((ua) => v(tv).map((vb) => ua * vb));
  for (const [t, tv] of [[1, 1], [2, 1], [3, 3]]) {
    const before = [Array.from(layers[0].theta), Array.from(layers[1].theta)];
    await opt.step({ t, lr: 0.001, oracle, directions, collectStats: false });
    const z = zOf(t, tv);
    close(oracle.seen.at(-1)!.dirs[0], z, 1e-5, `z_w at t=${t}`);
    const c = G[0].slice(0, 6).reduce((s, g, j) => s + g * z[j], 0) + G[0][6] * bz(t)[0] + G[0][7] * bz(t)[1];
    close(layers[0].theta, before[0].map((th, j) => th - 0.001 * c * z[j]), 1e-4, `theta_w at t=${t}`);
    close(layers[1].theta, before[1].map((th, j) => th - 0.001 * c * bz(t)[j]), 1e-4, `theta_b at t=${t}`);
  }
  assert.deepEqual(directions.calls.map((c) => c.names.length), [3, 2, 3], 'V is drawn at t = 1 and 3 only');
});

test('normalized: the layerwise step divided by the population std of the batch c_b', async () => {
  const G = [[3, -1, 0.5], [1, 2, -0.5]];
  const run = async (variant: string) => {
    const layers = [layer('w', [3], [0.2, -0.1, 0.4])];
    const opt = createOptimizer(layers, config({ name: 'helene', variant, layerSampling: 'cyclic', curvatureFloor: 0.1, epsDen: 0 }), 100);
    const before = Array.from(layers[0].theta);
    await opt.step({ t: 1, lr: 0.01, oracle: new LinearOracle(layers, G), directions: new PositionDirections(), collectStats: false });
    return { opt, delta: Array.from(layers[0].theta, (v, j) => v - before[j]) };
  };
  const plain = await run('layerwise');
  const normalized = await run('normalized');
  assert.ok(plain.opt instanceof HeleneLayerwise && normalized.opt instanceof HeleneNormalized);
  const z = [1.01, 1.11, 1.21];
  const cb = G.map((g) => g.reduce((s, gj, j) => s + gj * z[j], 0));
  const sigma = Math.abs(cb[0] - cb[1]) / 2; // population std of two values
  close(normalized.delta, plain.delta.map((d) => d / sigma), 1e-4, 'delta');
  // And the layerwise step by hand: one block, so h_corr / Hbar = z_j² / mean(z²), floored at lambda = mean.
  const alpha = 0.9 + 0.1 * Math.exp(-1 / 10);
  const c = (cb[0] + cb[1]) / 2;
  const meanZ2 = z.reduce((s, v) => s + v * v, 0) / 3;
  close(plain.delta, z.map((zj) => (-0.01 * alpha * c * zj) / (Math.max(zj * zj, meanZ2) / meanZ2)), 1e-4, 'layerwise delta');
});

test('multi: q blocks estimated at the same theta, each alone in dir, then one update; q = 1 is the layerwise step', async () => {
  const G = [[3, -1, 0.5, 0.2, 0.1], [1, 2, -0.5, -0.3, 0.2]];
  const make = () => [layer('a', [3], [0.2, -0.1, 0.4]), layer('b', [2], [0.5, 0.5])];
  const steps = async (opt: (layers: TrainableLayer[]) => { step: HeleneLayerwise['step'] }, layers: TrainableLayer[], oracle: LinearOracle, n: number) => {
    const o = opt(layers);
    for (let t = 1; t <= n; t++) await o.step({ t, lr: 0.01, oracle, directions: new PositionDirections(), collectStats: false });
  };
  // q = 1: bit-identical to layerwise.
  const [l1, l2] = [make(), make()];
  await steps((l) => new HeleneLayerwise(l, config({ name: 'helene', variant: 'layerwise', curvatureFloor: 0.1 }), 50), l1, new LinearOracle(l1, G), 5);
  await steps((l) => new HeleneMulti(l, config({ name: 'helene', variant: 'multi', queries: 1, curvatureFloor: 0.1 }), 50), l2, new LinearOracle(l2, G), 5);
  assert.deepEqual(l2.map((l) => Array.from(l.theta)), l1.map((l) => Array.from(l.theta)));

  // q = 2, cyclic: step 1 estimates block a (stream 0) then block b (stream 1), at one theta.
  const layers = make();
  const oracle = new LinearOracle(layers, G);
  const opt = createOptimizer(layers, config({ name: 'helene', variant: 'multi', queries: 2, layerSampling: 'cyclic', curvatureFloor: 0.1, epsDen: 0 }), 50) as HeleneMulti;
  assert.equal(opt.forwardPassesPerStep, 4);
  const before = layers.map((l) => Array.from(l.theta));
  const out = await opt.step({ t: 1, lr: 0.01, oracle, directions: new PositionDirections(), collectStats: false });
  assert.equal(out.forwardPasses, 4);
  assert.equal(oracle.seen.length, 4);
  const za = [1.01, 1.11, 1.21]; // stream 0
  const zb = [2.01, 2.11]; // stream 1 (list position 1)
  oracle.seen.slice(0, 2).forEach((s) => (close(s.dirs[0], za, 1e-6, 'z_a'), close(s.dirs[1], [0, 0], 0, 'b idle')));
  oracle.seen.slice(2).forEach((s) => (close(s.dirs[0], [0, 0, 0], 0, 'a idle'), close(s.dirs[1], zb, 1e-6, 'z_b')));
  oracle.seen.forEach((s) => assert.deepEqual(s.thetas, before, 'every estimate at the same theta'));
  // By hand: per block c_b, h_corr = mean_b(c_b²) z², Hbar = size-weighted mean of the blocks' mean h_corr.
  const alpha = 0.9 + 0.1 * Math.exp(-1 / 5);
  const blockCb = (z: number[], off: number) => G.map((g) => z.reduce((s, zj, j) => s + g[off + j] * zj, 0));
  const ca = blockCb(za, 0);
  const cbB = blockCb(zb, 3);
  const msq = (v: number[]) => v.reduce((s, x) => s + x * x, 0) / v.length;
  const hA = za.map((z) => msq(ca) * z * z);
  const hB = zb.map((z) => msq(cbB) * z * z);
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const hBar = (3 * mean(hA) + 2 * mean(hB)) / 5;
  const expect = (z: number[], cbs: number[], h: number[], theta: number[]) =>
    theta.map((th, j) => th - (0.01 * alpha * mean(cbs) * z[j]) / (Math.max(h[j], mean(h), 0.1 * hBar) / hBar));
  close(layers[0].theta, expect(za, ca, hA, before[0]), 1e-4, 'theta_a');
  close(layers[1].theta, expect(zb, cbB, hB, before[1]), 1e-4, 'theta_b');
});
