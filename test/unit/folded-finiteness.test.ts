/**
 * The state guard's finiteness test folded into the update loops (guards.ts, "folded check";
 * mezo.ts sgdUpdate, helene.ts, helene-common.ts elementUpdate): the kernels return the update norm
 * unchanged when everything is finite and a non-finite number when any theta they store, or any m
 * or h they read, is non-finite; the guard then skips exactly the tensors the optimizer vouched for.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig, type OptimizerConfig } from '../../runtime/protocol';
import { createOptimizer } from '../../runtime/optim';
import { sgdUpdate } from '../../runtime/optim/mezo';
import type { DirectionSource, LossOracle, TrainableLayer, ZoOptimizer } from '../../runtime/optim/optimizer';
import { DEFAULT_GUARDS, DivergenceGuards } from '../../runtime/run/guards';

function optimizerConfig(optimizer: Record<string, unknown>): OptimizerConfig {
  return resolveConfig({ model: { path: 'm.onnx' }, data: { train: 't.jsonl' }, optimizer }).config.optimizer;
}

function layers(): TrainableLayer[] {
  const make = (name: string, shape: number[]) => {
    const size = shape.reduce((a, b) => a * b, 1);
    return { name, shape, size, rank: shape.length, theta: Float32Array.from({ length: size }, (_, j) => Math.sin(j + name.length)), dir: new Float32Array(size) };
  };
  return [make('w', [4, 5]), make('bias', [5]), make('head', [5, 3])];
}

/** Deterministic directions (the values only need to be finite and not all equal). */
const directions: DirectionSource = {
  async normal(t, ls) {
    for (const [i, l] of ls.entries()) for (let j = 0; j < l.size; j++) l.dir[j] = Math.cos(t * 31 + i * 7 + j);
  },
  async rademacher() {
    throw new Error('not used');
  },
};

/** Two examples whose losses move with the perturbation, so c is finite and non-zero. */
const oracle: LossOracle = {
  async losses(scale) {
    return Float32Array.of(1 + 3 * scale, 2 - scale);
  },
};

async function step(o: ZoOptimizer, t: number): Promise<void> {
  await o.step({ t, lr: 1e-3, oracle, directions, collectStats: false });
}

test('sgdUpdate: same theta bits and the same |update|² as the plain loop when finite; non-finite when a stored theta is', () => {
  const theta = Float32Array.from({ length: 1001 }, (_, j) => Math.sin(j) * 3);
  const z = Float32Array.from({ length: 1001 }, (_, j) => Math.cos(j * 1.7));
  const expected = Float32Array.from(theta);
  let sq = 0;
  for (let j = 0; j < expected.length; j++) {
    const delta = 0.01 * (0.37 * z[j] + 0.1 * expected[j]);
    expected[j] -= delta;
    sq += delta * delta;
  }
  assert.equal(sgdUpdate(theta, z, 0.01, 0.37, 0.1), sq, 'the norm, bit for bit');
  assert.deepEqual(theta, expected, 'theta, bit for bit');
  // A finite float64 result that overflows float32 when stored: the probe reads the stored value.
  const big = Float32Array.of(1, 3.4e38, 2);
  assert.ok(Number.isNaN(sgdUpdate(big, Float32Array.of(0, -1, 0), 1, 1e38, 0)), 'theta stored as +Inf');
  assert.equal(big[1], Infinity);
  assert.ok(Number.isNaN(sgdUpdate(Float32Array.of(0, NaN, 0), new Float32Array(3), 1, 1, 0)), 'a NaN already in theta');
});

const cases: { name: string; optimizer: Record<string, unknown>; stateKeys: string[] }[] = [
  { name: 'mezo', optimizer: { name: 'mezo' }, stateKeys: [] },
  { name: 'helene paper, refresh every step (momentumAndCurvature + preconditionedUpdate)', optimizer: { name: 'helene', k: 1 }, stateKeys: ['m', 'h'] },
  { name: 'helene paper, k 10 (momentumUpdate off refresh steps)', optimizer: { name: 'helene', k: 10 }, stateKeys: ['m', 'h'] },
  { name: 'helene paper, rho 1, k 1 (clippedUpdate)', optimizer: { name: 'helene', k: 1, rho: 1 }, stateKeys: ['m', 'h'] },
  { name: 'helene paper, rho 1, k 10 (momentumClippedUpdate)', optimizer: { name: 'helene', k: 10, rho: 1 }, stateKeys: ['m', 'h'] },
  { name: 'helene layerwise preset (elementUpdate)', optimizer: { name: 'helene', variant: 'layerwise', blocks: 'auto', curvatureFloor: 0.1 }, stateKeys: ['m', 'h'] },
];

for (const c of cases) {
  test(`${c.name}: the step vouches for theta and ${c.stateKeys.join(', ') || 'no state'}; a NaN or Inf put into any of them is seen at the next step`, async () => {
    const injections: { key: string; value: number }[] = [
      { key: 'theta', value: NaN },
      { key: 'theta', value: -Infinity },
      ...c.stateKeys.flatMap((key) => [{ key, value: NaN }, { key, value: Infinity }]),
    ];
    for (const { key, value } of injections) {
      const ls = layers();
      const o = createOptimizer(ls, optimizerConfig(c.optimizer), 100);
      // Layerwise vouches only once every block has been chosen (2 × blocks steps at most).
      let t = 1;
      for (; t <= 12; t++) await step(o, t);
      const clean = o.finitenessOfLastStep!();
      assert.ok(clean, 'the step reports what it tested');
      assert.deepEqual({ ...clean, stateKeys: [...clean.stateKeys] }, { finite: true, theta: true, stateKeys: c.stateKeys });
      // Steps 13 (k 10: not a refresh step) and on: inject, step, the loops must see it.
      const target = key === 'theta' ? ls[2]!.theta : (o.state()[key]![2] as Float32Array);
      target[4] = value;
      await step(o, t);
      assert.equal(o.finitenessOfLastStep!()!.finite, false, `${value} in ${key} after step 12`);
      const guards = new DivergenceGuards({ ...DEFAULT_GUARDS, state: { ...DEFAULT_GUARDS.state, policy: 'skip' } });
      guards.beginStep(t, 1e-3);
      const trip = guards.checkState(ls, o.state(), 1, false, o.finitenessOfLastStep!());
      assert.ok(trip, 'the guard trips');
      // It names the first tensor holding one: element 4 of head, or further if the update spread it
      // (a refresh makes head's lambda its mean h; layerwise's Hbar mixes every block's).
      assert.match(trip.tensor!, /^(theta|optimizer state [mh]) of (w|bias|head)\[\d+\]$/, 'and names the tensor');
    }
  });
}

test('layerwise: before every block has been chosen it vouches for nothing (unchosen blocks are not updated)', async () => {
  const o = createOptimizer(layers(), optimizerConfig({ name: 'helene', variant: 'layerwise', blocks: 'layer' }), 100);
  await step(o, 1);
  assert.equal(o.finitenessOfLastStep!(), null);
});

test('the guard skips exactly what the step vouched for, and scans everything when the step saw a non-finite value', () => {
  const ls = layers();
  const h = ls.map((l) => new Float32Array(l.size));
  const lambda = [new Float64Array(3)];
  const guards = new DivergenceGuards(DEFAULT_GUARDS);
  guards.beginStep(1, 1e-3);
  // A NaN the step did not see (it vouched for h): not read again. Planted to show the skip, not a real case.
  h[1]![2] = NaN;
  assert.equal(guards.checkState(ls, { h, lambda }, 1, false, { finite: true, theta: true, stateKeys: ['h'] }), null);
  // lambda (one array of per-layer scalars, so named after layer 0) is not vouched for: scanned.
  lambda[0]![1] = Infinity;
  assert.equal(guards.checkState(ls, { h, lambda }, 1, false, { finite: true, theta: true, stateKeys: ['h'] })!.tensor, 'optimizer state lambda of w[1]');
  lambda[0]![1] = 0;
  // The step saw something non-finite: full scan, first tensor in order.
  assert.equal(guards.checkState(ls, { h, lambda }, 1, false, { finite: false, theta: true, stateKeys: ['h'] })!.tensor, 'optimizer state h of bias[2]');
  // No report (another optimizer): full scan.
  assert.equal(guards.checkState(ls, { h, lambda }, 1, false, null)!.tensor, 'optimizer state h of bias[2]');
});
