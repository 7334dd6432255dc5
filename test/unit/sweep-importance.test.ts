/**
 * Hyperparameter importance (runtime/runs/importance.ts) on the synthetic sweep of
 * test/fixtures/synthetic-sweep.ts, whose importances are known: metric = 5·f(lr) + 1·g(eps) +
 * 0·h(seed) + noise, with f and g of unit variance over their grid levels, so the main effects
 * explain 25 : 1 : 0 of the variance (plus the noise).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mulberry32 } from '../../runtime/onnx/seeded-prng';
import { levelsOf, mainEffectImportance, type ImportanceInput } from '../../runtime/runs/importance';
import { syntheticSweepRuns } from '../fixtures/synthetic-sweep';

/** The shared fixture's grid points as importance inputs. */
function syntheticSweep(noise: number, seed = 7): ImportanceInput[] {
  return syntheticSweepRuns(noise, seed).map((r) => ({ params: { 'optimizer.lr': r.lr, 'optimizer.eps': r.eps, seed: r.seed }, y: r.y }));
}

const KEYS = ['seed', 'optimizer.eps', 'optimizer.lr'];

test('synthetic sweep (5·f(lr) + 1·g(eps) + 0·seed + noise): order lr > eps > seed, fractions near 25:1:0 of the variance, seed at chance', () => {
  const r = mainEffectImportance(syntheticSweep(0.5), KEYS);
  assert.equal(r.n, 60);
  assert.deepEqual(r.parameters.map((p) => p.key), ['optimizer.lr', 'optimizer.eps', 'seed']);
  const [lr, eps, seed] = r.parameters;
  // Expected shares with noise variance 0.25: 25 / 26.25 and 1 / 26.25.
  assert.ok(Math.abs(lr.fraction - 25 / 26.25) < 0.02, `lr ${lr.fraction}`);
  assert.ok(Math.abs(eps.fraction - 1 / 26.25) < 0.01, `eps ${eps.fraction}`);
  assert.ok(seed.fraction < 0.003, `seed explains ${seed.fraction}`);
  assert.deepEqual([lr.aboveChance, eps.aboveChance, seed.aboveChance], [true, true, false]);
  assert.ok(seed.fraction < 3 * seed.chance, `seed ${seed.fraction} vs chance ${seed.chance}`);
  assert.deepEqual([lr.levels, eps.levels, seed.levels], [5, 3, 4]);
  assert.ok(r.remainder < 0.02 && r.remainder >= 0);
  assert.deepEqual(r.caveats, []);
});

test('the no-effect parameter stays near zero across noise seeds; the order holds for every seed', () => {
  for (let s = 1; s <= 20; s++) {
    const r = mainEffectImportance(syntheticSweep(0.5, s), KEYS);
    assert.deepEqual(r.parameters.map((p) => p.key), ['optimizer.lr', 'optimizer.eps', 'seed'], `noise seed ${s}`);
    assert.ok(r.parameters[2].fraction < 0.005, `noise seed ${s}: seed explains ${r.parameters[2].fraction}`);
  }
});

test('an interaction the main effects cannot explain shows as the remainder', () => {
  // y = sign(a)·sign(b): no main effect at all, everything is the interaction.
  const runs: ImportanceInput[] = [];
  for (const a of [-1, 1]) for (const b of [-1, 1]) for (let k = 0; k < 3; k++) runs.push({ params: { a, b }, y: a * b });
  const r = mainEffectImportance(runs, ['a', 'b']);
  assert.deepEqual(r.parameters.map((p) => p.fraction), [0, 0]);
  assert.equal(r.remainder, 1);
});

test('small, incomplete sweeps say so; runs without the metric are left out', () => {
  const full = syntheticSweep(0.5).filter((r) => r.params.seed === 1);
  const runs = [...full.slice(0, 11), { params: full[11].params, y: null }, { params: full[12].params, y: Number.NaN }];
  const r = mainEffectImportance(runs, KEYS);
  assert.equal(r.n, 11);
  assert.ok(r.caveats.some((c) => c.includes('complete grid')), r.caveats.join(' | '));
  const tiny = mainEffectImportance(full.slice(0, 2), KEYS);
  assert.deepEqual(tiny.parameters.map((p) => p.fraction), [0, 0, 0]);
  assert.ok(tiny.caveats[0].includes('only 2 runs'));
  // Four runs, 2 + 2 levels and a 2-level third axis: no residual degrees of freedom, chance from the one-way null.
  const saturated = mainEffectImportance([{ params: { a: 1, b: 1, c: 1 }, y: 1 }, { params: { a: 1, b: 2, c: 2 }, y: 2 }, { params: { a: 2, b: 1, c: 2 }, y: 3 }, { params: { a: 2, b: 2, c: 1 }, y: 5 }], ['a', 'b', 'c']);
  assert.ok(saturated.caveats.some((c) => c.includes('no runs are left')), saturated.caveats.join(' | '));
  assert.equal(saturated.parameters[0].chance, 1 / 3);
});

test('many distinct numeric values are cut into quantile bins; strings keep one level per value', () => {
  const lrs = Array.from({ length: 30 }, (_, i) => 1e-4 * 10 ** (i / 10));
  const binned = levelsOf(lrs);
  assert.equal(binned.binned, true);
  assert.equal(binned.levels, 6);
  assert.deepEqual(binned.group.slice(0, 6), [0, 0, 0, 0, 0, 1]);
  const names = levelsOf(['mezo', 'helene', 'mezo', 'hizoo', 'zo-adam', 'fzoo', 'a', 'b']);
  assert.deepEqual([names.binned, names.levels], [false, 7]);
  // A continuous random-search lr: binned, so it does not explain everything by having one run per value.
  const rand = mulberry32(3);
  const runs = lrs.map((lr) => ({ params: { lr, noise: rand() }, y: Math.log10(lr) + 0.1 * rand() }));
  const r = mainEffectImportance(runs, ['noise', 'lr']);
  assert.equal(r.parameters[0].key, 'lr');
  assert.ok(r.parameters[1].fraction < 0.5, `an unrelated continuous parameter explains ${r.parameters[1].fraction}`);
});
