/**
 * engine.resident end to end through the Trainer on the demo (CPU EP): MeZO's z from the z graph and
 * its update from the update graph, the training graph unchanged. Against the normal path fed the
 * same directions (its SeededDirections.normal replaced by the resident stream's JS port, so the
 * only differences are float32 rounding in the graphs), the loss curve agrees step by step.
 * Tolerance: |Δloss| ≤ 2e-5 · loss at every step of 300 (measured 1.4e-6 on this machine; the test prints it);
 * the two paths differ per step by a few float32 ulp of θ (resident-update-golden.test.ts), which
 * moves a loss of ~1 by ~1e-7 per step at most.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Trainer } from '../../runtime/run/trainer';
import { readRunFolderSync } from '../../runtime/run/run-reader';
import { SeededDirections } from '../../runtime/run/seeded-directions';
import { fillResidentNormal } from '../../runtime/engine/resident/z-reference';
import { stepSeed, zKey, type Seed64 } from '../../runtime/rng';
import type { TrainableLayer } from '../../runtime/optim/optimizer';
import type { StepRecord } from '../../runtime/protocol';
import { demoConfig } from './helpers';

const STEPS = 300;

async function stepLosses(overrides: string[]): Promise<{ losses: number[]; manifest: any }> {
  const trainer = await Trainer.create(demoConfig('mezo', [`steps=${STEPS}`, 'evalEvery=0', 'statsEvery=100', 'engine.provider="cpu"', ...overrides]));
  const summary = await trainer.run();
  await trainer.close();
  assert.equal(summary.state, 'finished');
  const run = readRunFolderSync(trainer.runDir);
  return { losses: run.records.filter((r): r is StepRecord => r.kind === 'step').map((r) => r.loss), manifest: run.manifest };
}

test('engine.resident MeZO on the demo: the loss curve of the normal path with the same z, step by step', async () => {
  const resident = await stepLosses(['engine.resident=true']);
  assert.equal(resident.manifest.config.engine.resident, true);
  assert.equal(resident.losses.length, STEPS);
  const proto = SeededDirections.prototype as unknown as { normal(t: number, layers: TrainableLayer[]): Promise<void>; runSeed: Seed64 };
  const original = proto.normal;
  proto.normal = async function (this: { runSeed: Seed64 }, t: number, layers: TrainableLayer[]) {
    const step = stepSeed(this.runSeed, t);
    layers.forEach((l, i) => fillResidentNormal(zKey(step, i), l.dir));
  };
  let normal;
  try {
    normal = await stepLosses([]);
  } finally {
    proto.normal = original;
  }
  let worst = 0;
  for (let t = 0; t < STEPS; t++) worst = Math.max(worst, Math.abs(resident.losses[t] - normal.losses[t]) / Math.abs(normal.losses[t]));
  assert.ok(worst <= 2e-5, `worst relative loss difference ${worst.toExponential(2)}`);
  console.log(`# resident vs normal (same z), ${STEPS} demo steps: worst relative loss difference ${worst.toExponential(2)}; loss ${normal.losses[0].toFixed(4)} → ${normal.losses.at(-1)!.toFixed(4)}`);
  // It trains: the last 50 steps' mean loss is below the first 50's.
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  assert.ok(mean(resident.losses.slice(-50)) < mean(resident.losses.slice(0, 50)));
});

test('engine.resident with an optimizer that has no update graph stops before the run folder is filled, naming the setting', async () => {
  await assert.rejects(Trainer.create(demoConfig('mezo', ['engine.resident=true', 'optimizer.name="zo-adam"'])), /engine\.resident: .*optimizer\.name "zo-adam" has none yet: set engine\.resident to false/);
});
