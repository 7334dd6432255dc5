/**
 * The HELENE variants' estimators on constructed cases with known answers. The loss oracle is
 * linear, l_b(theta) = G_b · theta, so c_b = G_b · z exactly and every per-layer gradient is known.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig, type OptimizerConfig } from '../../runtime/protocol';
import { createOptimizer } from '../../runtime/optim';
import type { DirectionSource, LossOracle, TrainableLayer } from '../../runtime/optim/optimizer';
import { isserlisEnergy, energyNoiseFloor } from '../../runtime/optim/helene-ablations';
import { biasCorrection } from '../../runtime/optim/helene-common';
import { chooseBySize, chooseInterleaved, HeleneLayerwise, MAX_GAP_PER_BLOCK_COUNT } from '../../runtime/optim/helene-layerwise';
import { makeBlocks, resolveBlockKind } from '../../runtime/optim/helene-blocks';

function gaussian(seed: number): () => number {
  let a = seed >>> 0;
  const u = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(u() + 1e-12)) * Math.cos(2 * Math.PI * u());
}

/** z ~ N(0, I) from a seeded stream (the test does not need the run's counter-based generator). */
class TestDirections implements DirectionSource {
  private readonly next = gaussian(99);
  async normal(_t: number, layers: TrainableLayer[]): Promise<void> {
    for (const l of layers) for (let j = 0; j < l.size; j++) l.dir[j] = this.next();
  }
  async rademacher(): Promise<void> {
    throw new Error('not used');
  }
}

/** l_b = G_b · (theta + scale dir): per-example gradients G_b (rows over the concatenated layers). */
class LinearOracle implements LossOracle {
  /** Every call's directions, to check what was perturbed. */
  readonly seen: Float32Array[][] = [];
  constructor(private readonly layers: TrainableLayer[], private readonly G: number[][]) {}
  async losses(scale: number): Promise<Float32Array> {
    this.seen.push(this.layers.map((l) => Float32Array.from(l.dir)));
    const flat = this.layers.flatMap((l) => Array.from(l.theta, (v, j) => v + scale * l.dir[j]));
    return Float32Array.from(this.G.map((g) => g.reduce((s, gj, j) => s + gj * flat[j], 0)));
  }
}

function layersOf(shapes: number[][]): TrainableLayer[] {
  return shapes.map((shape, i) => {
    const size = shape.reduce((a, b) => a * b, 1);
    return { name: `l${i}`, shape, size, rank: shape.length, theta: new Float32Array(size), dir: new Float32Array(size) };
  });
}

function config(extra: Record<string, unknown>): OptimizerConfig {
  return resolveConfig({ model: { path: 'm.onnx' }, data: { train: 'x.jsonl' }, optimizer: { name: 'helene', ...extra } }).config.optimizer;
}

// Two layers (3 and 5 elements), two examples, per-layer energies very different.
const G = [
  [3, -2, 1, 0.1, 0.2, -0.1, 0.05, 0.1],
  [2, 1, -3, -0.2, 0.1, 0.1, -0.1, 0.05],
];
const layerEnergy = (from: number, to: number) => G.reduce((s, g) => s + g.slice(from, to).reduce((a, v) => a + v * v, 0), 0) / G.length;

test('Isserlis: mean_b c_b² (|z_i|² − d_i) / 2 averages to the per-layer per-example gradient energy', () => {
  const next = gaussian(5);
  const N = 40000;
  const sums = [0, 0];
  const bounds: [number, number][] = [[0, 3], [3, 8]];
  for (let n = 0; n < N; n++) {
    const z = G[0].map(() => next());
    const meanSquare = G.reduce((s, g) => s + g.reduce((a, gj, j) => a + gj * z[j], 0) ** 2, 0) / G.length;
    bounds.forEach(([a, b], i) => (sums[i] += isserlisEnergy(meanSquare, z.slice(a, b).reduce((s, v) => s + v * v, 0), b - a) / N));
  }
  const total = layerEnergy(0, 8);
  bounds.forEach(([a, b], i) => {
    const expected = layerEnergy(a, b);
    // Standard error: about sqrt(3) * total * sqrt(d_i / 2) / sqrt(N) (a 4-sigma band).
    const se = (Math.sqrt(3) * total * Math.sqrt((b - a) / 2)) / Math.sqrt(N);
    assert.ok(Math.abs(sums[i] - expected) < 4 * se, `layer ${i}: ${sums[i]} vs ${expected} (4 se = ${4 * se})`);
  });
  // The two energies differ by ~190x; the spec's h would be the same number in both layers.
  assert.ok(layerEnergy(0, 3) / layerEnergy(3, 8) > 100);
});

test('bias correction is 1 − beta2^n, and at the first refresh the corrected h is h_hat itself', async () => {
  assert.equal(biasCorrection(0.99, 0), 1);
  assert.ok(Math.abs(biasCorrection(0.99, 1) - 0.01) < 1e-15);
  assert.ok(Math.abs(biasCorrection(0.99, 100) - (1 - 0.99 ** 100)) < 1e-15);
  const run = async (variant: string) => {
    const layers = layersOf([[3], [5]]);
    const opt = createOptimizer(layers, config({ variant, lr: 1e-3, epsDen: 0 }), 100);
    await opt.step({ t: 1, lr: 1e-3, oracle: new LinearOracle(layers, G), directions: new TestDirections(), collectStats: true });
    return { theta: layers.map((l) => Array.from(l.theta)), stats: opt.layerStats(1e-3) };
  };
  const paper = await run('paper');
  const corrected = await run('bias-corrected');
  // Same z, c, m: the paper divides by h = (1 − beta2) h_hat, the corrected variant by h_hat.
  paper.theta.flat().forEach((v, j) => assert.ok(Math.abs(corrected.theta.flat()[j] * 100 - v) <= 1e-4 * Math.abs(v) + 1e-12, `element ${j}`));
  paper.stats.forEach((s, i) => assert.ok(Math.abs(corrected.stats[i].hMean! - 100 * s.hMean!) <= 1e-4 * corrected.stats[i].hMean!));
});

test('weighted round robin chooses each block in proportion to its size', () => {
  const sizes = [384, 16, 64, 4];
  const credits = new Float64Array(sizes.length);
  const counts = [0, 0, 0, 0];
  for (let t = 0; t < 4680; t++) counts[chooseBySize(credits, sizes)]++;
  sizes.forEach((s, i) => assert.ok(Math.abs(counts[i] - (4680 * s) / 468) <= 1, `block ${i}: ${counts[i]}`));
});

test('interleaved choice: odd steps by size, even steps every block in turn (shares half by size, half equal)', () => {
  const sizes = [384, 16, 64, 4];
  const credits = new Float64Array(sizes.length);
  const counts = [0, 0, 0, 0];
  const steps = 9360;
  for (let t = 1; t <= steps; t++) counts[chooseInterleaved(t, credits, sizes)]++;
  sizes.forEach((s, i) => {
    const expected = (steps / 2) * (s / 468) + steps / 2 / sizes.length;
    assert.ok(Math.abs(counts[i] - expected) <= 1, `block ${i}: ${counts[i]} vs ${expected}`);
  });
});

/**
 * The 38 tensors of a BERT-like encoder like the one issue 16 fine-tuned in full (0.92 M elements:
 * token embedding 4000 x 128, positions, 2 post-LN layers, a 4-class head): size-proportional
 * sampling left 20 of them (every bias and LayerNorm, the head's bias) unperturbed for 800 steps.
 */
function bertLikeLayers(): TrainableLayer[] {
  const H = 128;
  const shapes: number[][] = [[4000, H], [128, H], [H], [H]];
  for (let l = 0; l < 2; l++) shapes.push([H, H], [H], [H, H], [H], [H, H], [H], [H, H], [H], [H], [H], [H, 4 * H], [4 * H], [4 * H, H], [H], [H], [H]);
  shapes.push([4, H], [4]);
  return layersOf(shapes);
}

test('no tensor of a 38-tensor encoder waits more than 2 N steps to be perturbed (blocks auto, 800 steps)', () => {
  const layers = bertLikeLayers();
  assert.equal(layers.length, 38);
  const opt = new HeleneLayerwise(layers, config({ variant: 'layerwise', blocks: 'auto' }), 800);
  assert.equal(opt.blocks.length, 38, 'auto resolves to whole tensors for this run');
  const last = new Array<number>(38).fill(0);
  const counts = new Array<number>(38).fill(0);
  let maxGap = 0;
  for (let t = 1; t <= 800; t++) {
    const i = opt.chooseBlock(t);
    maxGap = Math.max(maxGap, t - last[i]);
    last[i] = t;
    counts[i]++;
  }
  for (let i = 0; i < 38; i++) maxGap = Math.max(maxGap, 801 - last[i]);
  const never = counts.map((c, i) => (c === 0 ? layers[i].name : null)).filter(Boolean);
  assert.deepEqual(never, [], 'every tensor is perturbed in the run');
  assert.ok(maxGap <= MAX_GAP_PER_BLOCK_COUNT * 38, `largest gap between perturbations of one tensor: ${maxGap} steps`);
  // Big tensors still get more of the steps: the token embedding is chosen most often.
  assert.equal(counts.indexOf(Math.max(...counts)), 0);
});

test('curvatureFloor: a block far below the mean curvature steps at most lr |m| / (gamma floor); a block above it is unchanged', async () => {
  const run = async (floor: number) => {
    const layers = layersOf([[3], [5]]);
    const cfg = config({ variant: 'layerwise', layerSampling: 'cyclic', curvatureFloor: floor, lr: 1e-3, epsDen: 0 });
    const opt = new HeleneLayerwise(layers, cfg, 100);
    const oracle = new LinearOracle(layers, G);
    const directions = new TestDirections();
    const steps: { delta: number[][]; m1: number[] }[] = [];
    for (let t = 1; t <= 6; t++) {
      const before = layers.map((l) => Float32Array.from(l.theta));
      await opt.step({ t, lr: 1e-3, oracle, directions, collectStats: false });
      steps.push({ delta: layers.map((l, i) => Array.from(l.theta, (v, j) => v - before[i][j])), m1: Array.from(opt.m[1]) });
    }
    return { steps, gamma: cfg.gamma };
  };
  const off = await run(0);
  const on = await run(0.05);
  // Block 0 (the high-energy layer, ~190x block 1's energy per element) sits above the floor: the same
  // steps (up to float rounding: the losses are summed at slightly different theta of block 1).
  off.steps.forEach((s, t) => s.delta[0].forEach((d, j) => assert.ok(Math.abs(on.steps[t].delta[0][j] - d) <= 1e-4 * Math.abs(d) + 1e-12, `step ${t + 1}, block 0`)));
  const bound = (s: { delta: number[][]; m1: number[] }, f: number, gamma: number) => s.delta[1].every((d, j) => Math.abs(d) <= (1e-3 * Math.abs(s.m1[j])) / (gamma * f) * (1 + 1e-5) + 1e-12);
  assert.ok(on.steps.every((s) => bound(s, 0.05, on.gamma)), 'with the floor, block 1 steps at most lr |m| / (gamma floor)');
  assert.ok(!off.steps.every((s) => bound(s, 0.05, off.gamma)), 'without it, block 1 steps larger than that');
});

test('row blocks split rank >= 2 tensors along the first axis and share their memory', () => {
  const layers = layersOf([[4, 3], [3]]);
  const blocks = makeBlocks(layers, 'row');
  assert.deepEqual(blocks.map((b) => [b.layer, b.offset, b.size]), [[0, 0, 3], [0, 3, 3], [0, 6, 3], [0, 9, 3], [1, 0, 3]]);
  blocks[2].view.dir[1] = 7;
  assert.equal(layers[0].dir[7], 7);
  assert.equal(makeBlocks(layers, 'layer').length, 2);
});

test('blocks "auto": rows when every row block is chosen >= 50 times in the run, else whole tensors', () => {
  // The demo's MLP (24-16-4): smallest row 4 of 468 elements.
  const demo = layersOf([[24, 16], [16], [16, 4], [4]]);
  assert.equal(resolveBlockKind(demo, 'auto', 20_000), 'row', '20000 x 4 / 468 = 171 choices');
  assert.equal(resolveBlockKind(demo, 'auto', 5_000), 'layer', '5000 x 4 / 468 = 42.7 choices: under 50');
  assert.equal(resolveBlockKind(demo, 'auto', 5_850), 'row', '5850 x 4 / 468 = 50 choices');
  // A body of 64-wide rows among 67k elements: each row chosen about once in 1000 steps.
  const body = layersOf([[64, 64], [64, 64], [128, 64], [64, 128], [64], [64]]);
  assert.equal(resolveBlockKind(body, 'auto', 1_000), 'layer');
  assert.equal(makeBlocks(body, 'auto', 1_000).length, body.length);
  assert.equal(makeBlocks(demo, 'auto', 20_000).length, 24 + 1 + 16 + 1);
  // Only rank-1 tensors: nothing to split, layer blocks; explicit kinds are kept.
  assert.equal(resolveBlockKind(layersOf([[16], [16]]), 'auto', 1e6), 'layer');
  assert.equal(resolveBlockKind(body, 'row', 1), 'row');
  assert.equal(resolveBlockKind(demo, 'layer', 1e9), 'layer');
});

test('layerwise perturbs one layer per step and its h tracks each layer own gradient energy', async () => {
  const layers = layersOf([[3], [5]]);
  const opt = createOptimizer(layers, config({ variant: 'layerwise', lr: 1e-9, curvatureScale: 'absolute', beta2: 0.999 }), 4000) as HeleneLayerwise;
  const oracle = new LinearOracle(layers, G);
  const directions = new TestDirections();
  for (let t = 1; t <= 4000; t++) await opt.step({ t, lr: 1e-9, oracle, directions, collectStats: false });
  // Every pass saw exactly one layer's direction non-zero.
  for (const dirs of oracle.seen) assert.equal(dirs.filter((d) => d.some((v) => v !== 0)).length, 1);
  // E[h_j] = mean_b (|G_b,i|² + 2 G_b,ij²): the layer mean is E_i (1 + 2 / d_i) with E_i the energy.
  const stats = opt.layerStats(1e-9);
  const expected = [layerEnergy(0, 3) * (1 + 2 / 3), layerEnergy(3, 8) * (1 + 2 / 5)];
  stats.forEach((s, i) => assert.ok(Math.abs(s.hMean! / expected[i] - 1) < 0.25, `layer ${i}: h ${s.hMean} vs ${expected[i]}`));
  assert.ok(stats[0].hMean! / stats[1].hMean! > 100, 'h differs between layers as their energies do');
});

test('the spec HELENE h is nearly the same number in both layers on the same problem', async () => {
  const layers = layersOf([[3], [5]]);
  const opt = createOptimizer(layers, config({ lr: 1e-9, k: 1, beta2: 0.999 }), 3000);
  const oracle = new LinearOracle(layers, G);
  const directions = new TestDirections();
  for (let t = 1; t <= 3000; t++) await opt.step({ t, lr: 1e-9, oracle, directions, collectStats: false });
  const [a, b] = opt.layerStats(1e-9).map((s) => s.hMean!);
  assert.ok(a / b < 3 && b / a < 3, `paper h per layer: ${a}, ${b}`);
});

test('energy: the noise floor scales with the total energy and shrinks with the EMA length', () => {
  assert.ok(energyNoiseFloor(2, 10, 0.99) === 2 * energyNoiseFloor(1, 10, 0.99));
  assert.ok(energyNoiseFloor(1, 10, 0.999) < energyNoiseFloor(1, 10, 0.99));
});

test('optimizer.variant picks the variant; the default is the paper; an unknown variant is refused', () => {
  const layers = layersOf([[3]]);
  assert.equal(createOptimizer(layers, config({}), 10).name, 'helene');
  assert.equal(config({}).variant, 'paper');
  for (const [variant, name] of [['bias-corrected', 'helene-bias-corrected'], ['energy', 'helene-energy'], ['layerwise', 'helene-layerwise']]) {
    assert.equal(createOptimizer(layers, config({ variant }), 10).name, name);
  }
  assert.throws(() => config({ variant: 'layer-wise' }), /variant/);
});
