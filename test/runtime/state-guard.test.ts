/**
 * The state guard on a real run: a NaN put into HELENE's m or h between two steps is caught at the
 * very next step (the guard scans theta and the whole optimizer state after every update, issue 17
 * made that scan cheap, not partial), the step is skipped, and the last clean copy is restored.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Trainer } from '../../runtime/run/trainer';
import { readRunFolderSync } from '../../runtime/run/run-reader';
import type { EventRecord, StepRecord } from '../../runtime/protocol';
import type { ZoOptimizer } from '../../runtime/optim/optimizer';
import { demoConfig } from './helpers';

for (const key of ['m', 'h'] as const) {
  test(`a NaN injected into HELENE's ${key} after step 5 trips the state guard at step 6; policy skip restores step 5's state`, async () => {
    const config = demoConfig('helene', ['steps=10', 'evalEvery=0', 'statsEvery=0', 'checkpoint.every=0', 'guards.state.policy="skip"']);
    config.data.eval = null;
    let trainer: Trainer | null = null;
    const stateOf = () => (trainer as unknown as { optimizer: ZoOptimizer }).optimizer.state();
    trainer = await Trainer.create(config, {
      // Step records are emitted after the step's state scan: the NaN lands between steps 5 and 6.
      record: (r) => {
        if (r.kind === 'step' && r.t === 5) stateOf()[key]![1]![3] = NaN;
      },
    });
    const summary = await trainer.run();
    await trainer.close();
    const run = readRunFolderSync(trainer.runDir);
    const guards = run.records.filter((r): r is EventRecord => r.kind === 'event' && r.event === 'guard');
    assert.equal(guards.length, 1, 'one trip');
    const data = guards[0]!.data as { guard: string; tensor: string; action: string; restoredTo: number };
    assert.equal(guards[0]!.t, 6, 'caught at the next step');
    assert.equal(data.guard, 'non-finite-state');
    // The update spreads the NaN to theta and the other moment at the same element; the scan names the first tensor holding one.
    assert.match(data.tensor, new RegExp(`^(theta|optimizer state [mh]) of ${trainer.trainables[1]!.name}\\[3\\]$`));
    assert.equal(data.action, 'skipped');
    assert.equal(data.restoredTo, 5);
    assert.equal(summary.state, 'finished');
    assert.equal(summary.skippedSteps, 1);
    const state = stateOf();
    for (const arrays of [state.m!, state.h!, trainer.trainables.map((l) => l.theta)]) for (const a of arrays) assert.ok(a.every(Number.isFinite), 'restored state is finite');
    assert.equal(run.records.filter((r): r is StepRecord => r.kind === 'step').length, 9, 'steps 1-5 and 7-10 logged');
  });
}
