/** DivergenceGuards as a pure class: each guard trips on what it should, and only then. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_GUARDS, DivergenceGuards, firstNonFinite, guardsOf, hasNonFinite, RunningMedian, stopMessage } from '../../runtime/run/guards';
import type { TrainableLayer } from '../../runtime/optim/optimizer';
import { youngGenerationBytes } from '../../runtime/run/step-profiler';
import type { GuardsConfig } from '../../runtime/protocol';
import { resolveConfig } from '../../runtime/protocol';

const config = (patch: Partial<GuardsConfig> = {}): GuardsConfig => ({ ...structuredClone(DEFAULT_GUARDS), ...patch });
const batch = (...xs: number[]) => Float32Array.from(xs);

function warmed(guards: DivergenceGuards, losses: number[], lr = 0.01): void {
  losses.forEach((l, i) => {
    guards.beginStep(i + 1, lr);
    assert.equal(guards.checkPass(batch(l, l)), null, `history step ${i + 1}`);
    guards.accept(l);
  });
}

test('the running median keeps the last `window` finite values', () => {
  const m = new RunningMedian(3);
  assert.equal(m.median, null);
  [5, 1, 3].forEach((x) => m.push(x));
  assert.equal(m.median, 3);
  m.push(100);
  assert.equal(m.median, 3, '[1, 3, 100]');
  m.push(NaN);
  assert.equal(m.size, 3);
  m.push(2);
  assert.equal(m.median, 3, '[3, 100, 2]');
});

test('non-finite loss: any NaN or Inf example trips, with step, loss and lr / 10', () => {
  const g = new DivergenceGuards(config());
  g.beginStep(7, 0.02);
  const trip = g.checkPass(batch(1, NaN, 2))!;
  assert.equal(trip.guard, 'non-finite-loss');
  assert.equal(trip.t, 7);
  assert.ok(Number.isNaN(trip.loss));
  assert.equal(trip.suggestedLr, 0.002);
  assert.equal(g.checkPass(batch(1, Infinity))!.guard, 'non-finite-loss');
  assert.match(stopMessage(trip, 'before-update'), /^step 7: non-finite loss \(NaN\); the run stopped before the update\. Try optimizer\.lr = 0\.002 \(10x lower than 0\.02\)\. Or let the lr finder choose: helene-studio lr-find --config <your run config> \(it probes this run's first steps/);
  const off = new DivergenceGuards(config({ nonFinite: { enabled: false, policy: 'stop' } }));
  assert.equal(off.checkPass(batch(NaN)), null, 'disabled guard lets it through');
});

test('explosion: trips above factor x the lowest running median, after minHistory steps, on patience steps in a row', () => {
  const g = new DivergenceGuards(config({ explosion: { enabled: true, policy: 'skip', factor: 10, window: 5, minHistory: 3, patience: 2 } }));
  g.beginStep(1, 0.1);
  g.accept(1);
  g.accept(1.2);
  g.beginStep(3, 0.1);
  assert.equal(g.checkPass(batch(50, 50)), null, 'only 2 steps of history: no verdict yet');
  g.accept(0.8);
  assert.equal(g.reference, 1);
  g.beginStep(4, 0.1);
  assert.equal(g.checkPass(batch(9.9, 10.1)), null, '10.0 = 10 x median 1.0 is not above it');
  assert.equal(g.checkPass(batch(10, 10.2)), null, 'above, but the first step in a row (patience 2)');
  g.accept(10.1);
  g.beginStep(5, 0.1);
  const trip = g.checkPass(batch(10, 10.2))!;
  assert.equal(trip.guard, 'loss-explosion');
  assert.equal(trip.policy, 'skip');
  assert.match(trip.what, /loss 10\.1 is 10\.1x its lowest running median 1 on 2 steps in a row \(guards\.explosion\.factor 10\): the learning rate is too high/);
  // The event data (and the panel's marker label) carry what the loss was compared with.
  assert.deepEqual([trip.reference, trip.factor], [1, 10]);
});

test('explosion: a slow climb is measured against the lowest median, not the current one', () => {
  const g = new DivergenceGuards(config({ explosion: { enabled: true, policy: 'stop', factor: 4, window: 5, minHistory: 3, patience: 1 } }));
  // Each loss is only 1.25x the previous: the current 5-step median follows it up.
  let loss = 1;
  let tripped = 0;
  for (let t = 1; t <= 40 && !tripped; t++) {
    g.beginStep(t, 0.1);
    if (g.checkPass(batch(loss))) tripped = t;
    else g.accept(loss);
    loss *= 1.25;
  }
  // reference = median of [1, 1.25, 1.5625] = 1.25; 1.25^t > 4 · 1.25 first at t − 1 = 8 (loss 5.96).
  assert.equal(tripped, 9);
  assert.equal(g.reference, 1.25);
});

test('explosion tolerates batch noise of a healthy run', () => {
  const g = new DivergenceGuards(config());
  let s = 1;
  // Batch losses anywhere in [1, 3] (3x spread), 200 steps: never 4x the lowest median, so never a trip.
  const noisy = Array.from({ length: 200 }, () => ((s = (s * 16807) % 2147483647), 1 + 2 * (s / 2147483647)));
  warmed(g, noisy);
});

test('collapse: exactly 0 after a non-zero history trips; a loss that was always 0 does not', () => {
  const g = new DivergenceGuards(config());
  warmed(g, [0.7, 0.6]);
  g.beginStep(3, 0.01);
  assert.equal(g.checkPass(batch(0, 1e-30)), null, 'tiny but not zero');
  assert.equal(g.checkPass(batch(0, 0))!.guard, 'loss-collapse');
  const zero = new DivergenceGuards(config());
  warmed(zero, [0, 0, 0]);
  assert.equal(zero.checkPass(batch(0, 0)), null);
  const fresh = new DivergenceGuards(config());
  fresh.beginStep(1, 0.01);
  assert.equal(fresh.checkPass(batch(0)), null, 'no history: nothing to collapse from');
});

function layers(): TrainableLayer[] {
  return [
    { name: 'w', shape: [2, 2], size: 4, rank: 2, theta: Float32Array.of(1, 2, 3, 4), dir: new Float32Array(4) },
    { name: 'b', shape: [2], size: 2, rank: 1, theta: Float32Array.of(5, 6), dir: new Float32Array(2) },
  ];
}

test('state: a non-finite theta or h is found, named, and the last clean copy restored exactly', () => {
  const g = new DivergenceGuards(config());
  const ls = layers();
  const h = [Float32Array.of(1, 1, 1, 1), Float32Array.of(1, 1)];
  g.beginStep(1, 0.01);
  assert.equal(g.checkState(ls, { h }, 0.5), null);
  assert.equal(g.state.copyStep, 1, 'a clean scan refreshes the copy');
  ls[1].theta[1] = 7;
  h[0][2] = Infinity;
  g.beginStep(2, 0.01);
  const trip = g.checkState(ls, { h }, 0.4)!;
  assert.equal(trip.guard, 'non-finite-state');
  assert.equal(trip.tensor, 'optimizer state h of w[2]');
  assert.equal(g.state.restore(ls, { h }), 1);
  assert.deepEqual(Array.from(ls[1].theta), [5, 6]);
  assert.deepEqual(Array.from(h[0]), [1, 1, 1, 1]);
  ls[0].theta[3] = NaN;
  assert.equal(g.checkState(ls, { h }, 0.4)!.tensor, 'theta of w[3]');
});

test('state: scans every N steps (forced on demand), and keeps no copy above snapshotMaxElements', () => {
  const g = new DivergenceGuards(config({ state: { enabled: true, policy: 'skip', every: 5, snapshotMaxElements: 3 } }));
  const ls = layers();
  ls[0].theta[0] = NaN;
  g.beginStep(3, 0.01);
  assert.equal(g.checkState(ls, {}, 1), null, 'step 3 is not a scan step');
  assert.equal(g.checkState(ls, {}, 1, true)!.tensor, 'theta of w[0]', 'forced');
  ls[0].theta[0] = 1;
  g.beginStep(5, 0.01);
  assert.equal(g.checkState(ls, {}, 1), null);
  assert.equal(g.state.copyStep, null, '6 elements > 3: no copy');
  assert.equal(g.state.restore(ls, {}), null);
  assert.equal(firstNonFinite(Float64Array.of(0, -Infinity)), 1);
});

test('config: guards default on; onNonFinite is an alias of guards.nonFinite.policy', () => {
  const base = { model: { path: 'm.onnx' }, data: { train: 't.jsonl' } };
  const { config: c } = resolveConfig(base);
  const g = guardsOf(c);
  assert.deepEqual(g, DEFAULT_GUARDS);
  assert.equal(guardsOf(resolveConfig({ ...base, guards: { nonFinite: { policy: 'skip' } } }).config).nonFinite.policy, 'skip');
  assert.equal(guardsOf(resolveConfig({ ...base, onNonFinite: 'skip' }).config).nonFinite.policy, 'skip');
  assert.equal(guardsOf({}).explosion.factor, 4, 'a run folder from before the key gets the defaults');
  assert.throws(() => resolveConfig({ ...base, guards: { explosion: { factr: 3 } } }), /guards\.explosion\.factr: unknown key \(did you mean "guards\.explosion\.factor"\?\)/);
});

test('hasNonFinite (the state scan) finds NaN and ±Inf at every position, and nothing in finite extremes', () => {
  const specials = [NaN, Infinity, -Infinity, new Float32Array(Uint32Array.of(0x7fc00001).buffer)[0], new Float32Array(Uint32Array.of(0xff800001).buffer)[0]];
  const finite = [0, -0, 1e-45, -1e-45, 3.4028234663852886e38, -3.4028234663852886e38, 1.17549435e-38, 1];
  for (let n = 0; n <= 19; n++) {
    const clean = Float32Array.from({ length: n }, (_, j) => finite[j % finite.length]);
    assert.equal(hasNonFinite(clean), false, `length ${n}, finite extremes`);
    for (let j = 0; j < n; j++) {
      for (const v of specials) {
        const a = clean.slice();
        a[j] = v;
        assert.equal(hasNonFinite(a), true, `length ${n}, ${v} at ${j}`);
        // A view that starts past the bad element sees none (subarrays of a layer's state are scanned too).
        assert.equal(hasNonFinite(a.subarray(j + 1)), false, `view after ${j}`);
        assert.equal(hasNonFinite(a.subarray(j)), true, `view from ${j}`);
      }
    }
  }
  assert.equal(hasNonFinite(Float64Array.of(1, 2, -Infinity)), true, 'float64 state (per-layer scalars)');
  assert.equal(hasNonFinite(Float64Array.of(1e300, -1e300)), false);
});

test('state: a clean scan allocates (almost) nothing per step: the tensor list is reused, names are made only for a trip', () => {
  const ls: TrainableLayer[] = Array.from({ length: 60 }, (_, i) => ({ name: `layer${i}`, shape: [8], size: 8, rank: 1, theta: new Float32Array(8), dir: new Float32Array(8) }));
  const state = { m: ls.map(() => new Float32Array(8)), h: ls.map(() => new Float32Array(8)) };
  const g = new DivergenceGuards(config());
  const perCall: number[] = [];
  // Measured after 3000 warm-up scans: unoptimized code boxes numbers (heap numbers), which the
  // trainer's hot loop, optimized after a few steps, does not.
  for (let t = 1; t <= 3200; t++) {
    g.beginStep(t, 0.01);
    const before = youngGenerationBytes();
    assert.equal(g.checkState(ls, state, 1), null);
    const grown = youngGenerationBytes() - before;
    if (grown >= 0 && t > 3000) perCall.push(grown);
  }
  perCall.sort((a, b) => a - b);
  // 180 tensors: a fresh list with a name and an Int32Array view per tensor was ~50 KB a call.
  // Bound: 4 KB (youngGenerationBytes' own result objects, ~1.3 KB, and a closure).
  assert.ok(perCall.length > 50 && perCall[perCall.length >> 1]! < 4096, `median bytes per scan: ${perCall[perCall.length >> 1]}`);
});
