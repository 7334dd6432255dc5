/**
 * The convergence suite's accounting (bench/convergence): speedups and budgets are in TRAINING
 * forward passes, t × passes per step, so an optimizer with more passes per step (FZOO N + 1,
 * ZO-SGD-Cons 5) is charged for them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareSeeds, lossAtPasses } from '../../bench/convergence/compare-runs';
import { renderTable } from '../../bench/convergence/table';
import type { RunResult } from '../../bench/convergence/run-one';

function run(optimizer: string, passesPerStep: number, losses: number[], every = 10, extra: Partial<RunResult> = {}): RunResult {
  return {
    optimizer,
    lr: 1e-3,
    seed: 1,
    passesPerStep,
    evals: losses.map((loss, i) => ({ t: (i + 1) * every, trainingPasses: (i + 1) * every * passesPerStep, loss })),
    ...extra,
  };
}

test('the speedup is per training forward pass, not per step', () => {
  const mezo = run('mezo', 2, [3, 2, 1.5, 1.2]); // reaches its final 1.2 at t = 40: 80 passes
  const fzoo = run('fzoo', 9, [1.1, 1, 0.9, 0.8]); // reaches 1.2 at t = 10: 90 passes
  const [c] = compareSeeds([mezo], [fzoo]);
  assert.equal(c.baseline.trainingPasses, 80);
  assert.equal(c.candidate?.t, 10);
  assert.equal(c.candidate?.trainingPasses, 90);
  assert.ok(Math.abs((c.passSpeedup ?? 0) - 80 / 90) < 1e-12); // 4x fewer steps, yet slower in passes
});

test('lossAtPasses: the last evaluation within a pass budget', () => {
  const cons = run('zo-sgd-cons', 5, [3, 2, 1, 0.5]); // passes 50, 100, 150, 200
  assert.equal(lossAtPasses(cons, 80), 3);
  assert.equal(lossAtPasses(cons, 100), 2);
  assert.equal(lossAtPasses(cons, 1000), 0.5);
  assert.ok(Number.isNaN(lossAtPasses(cons, 10)));
  const diverged = run('fzoo', 9, [], 10, { diverged: 'step 3: loss NaN' });
  assert.equal(lossAtPasses(diverged, 100), Infinity);
});

test('the table charges each optimizer its passes per step', () => {
  const mezo = run('mezo', 2, [3, 2, 1.5, 1.2]);
  const fzoo = run('fzoo', 9, [1.1, 1, 0.9, 0.8]);
  const table = renderTable([
    {
      task: 'toy',
      metric: 'eval loss',
      steps: 40,
      optimizers: [
        { label: 'mezo', config: { name: 'mezo' }, grid: [], lr: 1e-3, runs: [mezo] },
        { label: 'fzoo', config: { name: 'fzoo' }, grid: [], lr: 1e-3, runs: [fzoo] },
      ],
    },
  ]);
  const row = table.split('\n').find((l) => l.startsWith('| fzoo '))!;
  // passes/step 9; within MeZO's 80 passes FZOO had no evaluation yet (its first is at 90)
  assert.match(row, /^\| fzoo \| 9 \| 0\.00100 \| 0\.8000 ± 0\.0000 \| 0\.8000 ± 0\.0000 \| n\/a ± 0\.0000 \| /);
  assert.match(row, /\| 10 \| 90 \| 0\.89x \/ 0\.89x \| 1\/1 \|$/);
});
