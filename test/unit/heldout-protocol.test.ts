/**
 * The held-out protocol (bench/convergence/split.ts, lr-rule.ts, heldout-table.ts): the split is
 * named and balanced, the lr rule is the same for every optimizer and never looks at a full run,
 * and the tables put tuning and held-out tasks apart with per-seed speedups in training passes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SUITE, SUITE_OPTIMIZERS } from '../../bench/convergence/split';
import { bestLr, chooseLr, LR_GRID, probeScore, probeSteps, withMargin } from '../../bench/convergence/lr-rule';
import { meetsGoal, renderHeldoutTables, speedups, type HeldoutTaskResult } from '../../bench/convergence/heldout-table';
import { BENCH_OPTIMIZERS } from '../../bench/convergence/optimizers';
import type { RunResult } from '../../bench/convergence/run-one';

function run(seed: number, losses: number[], extra: Partial<RunResult> = {}, every = 10, passesPerStep = 2): RunResult {
  return {
    optimizer: 'x', lr: 1e-3, seed, passesPerStep,
    evals: losses.map((loss, i) => ({ t: i * every, trainingPasses: i * every * passesPerStep, loss })),
    ...extra,
  };
}

test('the split: at least 6 tasks, half held out, names unique, every suite optimizer known', () => {
  const names = SUITE.map((t) => t.name);
  assert.equal(new Set(names).size, names.length);
  assert.ok(SUITE.length >= 6);
  assert.equal(SUITE.filter((t) => t.split === 'heldout').length * 2, SUITE.length);
  // The held-out LM tasks use only the fixtures made for it (nobody tuned on them).
  for (const t of SUITE.filter((s) => s.split === 'heldout' && !s.name.startsWith('least-squares'))) assert.match(t.name, /^gcide-/);
  for (const t of SUITE.filter((s) => s.split === 'tuning')) assert.doesNotMatch(t.name, /^gcide-/);
  assert.equal(SUITE_OPTIMIZERS[0], 'mezo');
  for (const o of SUITE_OPTIMIZERS) assert.ok(BENCH_OPTIMIZERS.some((b) => b.label === o), o);
});

test('lr rule: probes score their last eval loss; diverged or worse-than-start probes are rejected; ties go to the smaller lr', () => {
  assert.equal(probeSteps(600), 60);
  assert.equal(probeSteps(5), 1);
  assert.deepEqual(probeScore(run(1, [1, 0.8], { lr: 0.01 })), { lr: 0.01, score: 0.8 });
  assert.equal(probeScore(run(1, [1, 1.2])).score, Infinity);
  assert.match(probeScore(run(1, [1, 1.2])).rejected!, /eval loss rose 1\.0000 -> 1\.2000/);
  assert.match(probeScore(run(1, [1], { diverged: 'step 3: loss NaN' })).rejected!, /^diverged/);
  assert.deepEqual(bestLr([{ lr: 0.1, score: 0.5 }, { lr: 0.01, score: 0.5 }, { lr: 1, score: Infinity }]), { lr: 0.01, score: 0.5 });
  assert.equal(bestLr([{ lr: 1, score: Infinity }]), null);
  assert.equal(withMargin(3e-2), 1e-2);
  assert.equal(withMargin(1e-5), 1e-5, 'the bottom of the grid stays');
});

test('lr rule: walks the grid upwards and stops at the first divergence above a stable lr', async () => {
  const probed: number[] = [];
  // A made-up task: the loss after the probe falls with lr until 1e-3, diverges from 3e-3 on.
  const { best, probes, lr } = await chooseLr(async (lr) => {
    probed.push(lr);
    return lr >= 3e-3 ? run(1, [1], { lr, diverged: 'guard' }) : run(1, [1, 1 - Math.log10(lr / 1e-6) / 10], { lr });
  });
  assert.equal(best?.lr, 1e-3);
  assert.equal(lr, 3e-4, 'one grid point below the best probe');
  assert.deepEqual(probed, LR_GRID.filter((lr) => lr <= 3e-3));
  assert.equal(probes.length, probed.length);
});

test('speedups per seed in training passes; a seed that never reaches MeZO final counts 0; the goal needs mean >= 3x and worst >= 1.5x', () => {
  const mezo = [run(1, [2, 1.5, 1.2, 1.0]), run(2, [2, 1.6, 1.3, 1.1]), run(3, [2, 1.4, 1.2, 0.9])];
  // MeZO reaches its own final at its last eval (t = 30, 60 passes) on every seed.
  const fast = [run(1, [2, 0.9, 0.8, 0.7]), run(2, [2, 1.0, 0.9, 0.8]), run(3, [2, 0.8, 0.7, 0.6])];
  const s = speedups(mezo, fast);
  assert.deepEqual(s.perSeed, [3, 3, 3]);
  assert.deepEqual(s.passes, [20, 20, 20]);
  assert.ok(meetsGoal(s));
  const mixed = [fast[0], run(2, [2, 1.5, 1.4, 1.3]), fast[2]];
  const m = speedups(mezo, mixed);
  assert.deepEqual(m.perSeed, [3, 0, 3]);
  assert.equal(m.worst, 0);
  assert.ok(!meetsGoal(m));
  // MeZO diverged on a seed: no target there, that seed is left out (not counted as a win).
  const mezoDiverged = [mezo[0], run(2, [2], { diverged: 'guard' }), mezo[2]];
  assert.deepEqual(speedups(mezoDiverged, fast).perSeed, [3, 3]);
});

test('tables: tuning and held-out tasks apart, per-seed speedups and a verdict per split', () => {
  const mezo = [run(1, [2, 1.5, 1.2, 1.0]), run(2, [2, 1.6, 1.3, 1.1])];
  const fast = [run(1, [2, 0.9, 0.8, 0.7], { wallSeconds: 4 }), run(2, [2, 1.0, 0.9, 0.8], { wallSeconds: 6 })];
  const task = (name: string, split: 'tuning' | 'heldout'): HeldoutTaskResult => ({
    task: name, split, kind: 'k', metric: 'eval loss', steps: 30, probeSteps: 3,
    optimizers: [
      { label: 'mezo', config: {}, lr: 1e-3, probes: [], runs: mezo },
      { label: 'helene-recommended', config: {}, lr: 1e-2, probes: [], runs: split === 'heldout' ? fast.map((r) => ({ ...r, evals: r.evals.map((e) => ({ ...e, loss: e.loss + 1 })) })) : fast },
      { label: 'helene-paper', config: {}, lr: null, probes: [{ lr: 1e-5, score: Infinity, rejected: 'diverged' }], runs: [] },
    ],
  });
  const text = renderHeldoutTables([task('a', 'tuning'), task('b', 'heldout')]);
  const tuning = text.indexOf('## Tuning tasks');
  const held = text.indexOf('## Held-out tasks');
  assert.ok(tuning >= 0 && held > tuning);
  assert.match(text.slice(tuning, held), /\| helene-recommended \| 2 \| 0\.010 \| 0\.7500 \/ 0\.8000 \| = loss \| 20, 20 \| 3\.00x, 3\.00x \| 3\.00x \/ 3\.00x \(goal\) \| 5 \|/);
  assert.match(text.slice(held), /\| helene-recommended \| .* \| not reached, not reached \| 0\.00x, 0\.00x \| 0\.00x \/ 0\.00x \|/);
  assert.match(text, /helene-paper \| - \| none: every probe rejected/);
  assert.match(text.slice(tuning, held), /- helene-recommended: goal met on 1 of 1 tuning tasks \(a 3\.00x \/ 3\.00x\)/);
  assert.match(text.slice(held), /- helene-recommended: goal met on 0 of 1 held-out tasks/);
});
