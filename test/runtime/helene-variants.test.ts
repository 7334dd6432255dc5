/**
 * Each HELENE variant end to end through the Trainer on the demo task: it runs, lowers the eval
 * loss, reports per-layer h / lambda for the panel, and (layerwise) resumes bit-exactly from a checkpoint.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Trainer } from '../../runtime/run/trainer';
import { readRunFolderSync } from '../../runtime/run/run-reader';
import type { EvalRecord, LayerStatsRecord } from '../../runtime/protocol';
import { demoConfig } from './helpers';

const LR: Record<string, number> = { 'bias-corrected': 0.009, energy: 0.0003, layerwise: 0.001 };

for (const [variant, extra] of [['bias-corrected', []], ['energy', []], ['layerwise', ['optimizer.blocks=row', 'optimizer.lr=0.01']], ['layerwise', []]] as const) {
  test(`HELENE variant ${variant} ${extra.join(' ')} trains through the Trainer and reports per-layer h`, async () => {
    const config = demoConfig('helene', ['steps=300', 'evalEvery=150', 'statsEvery=100', `optimizer.variant=${variant}`, `optimizer.lr=${LR[variant]}`, ...extra]);
    const trainer = await Trainer.create(config);
    const summary = await trainer.run();
    await trainer.close();
    assert.equal(summary.state, 'finished');
    const run = readRunFolderSync(trainer.runDir);
    assert.equal(run.manifest?.optimizer.name, `helene-${variant}`);
    assert.equal(run.manifest?.config.optimizer.variant, variant);
    const evals = run.records.filter((r): r is EvalRecord => r.kind === 'eval');
    assert.ok(evals.at(-1)!.loss < evals[0].loss, `eval loss should fall: ${evals[0].loss} → ${evals.at(-1)!.loss}`);
    const layers = run.records.filter((r): r is LayerStatsRecord => r.kind === 'layers').at(-1)!.layers;
    assert.equal(layers.length, 4);
    for (const l of layers) {
      assert.ok(Number.isFinite(l.hMean) && l.hMean! > 0, `${l.name} hMean ${l.hMean}`);
      assert.ok(Number.isFinite(l.lambda) && l.floorFraction! >= 0 && l.floorFraction! <= 1, `${l.name} lambda / floor fraction`);
    }
  });
}

test('blocks "auto" and the null annealing horizon are recorded in run.json with what was chosen and why', async () => {
  const config = demoConfig('helene', ['steps=200', 'evalEvery=0', 'statsEvery=0', 'optimizer.variant=layerwise', 'optimizer.blocks=auto', 'optimizer.lr=0.001']);
  const trainer = await Trainer.create(config);
  await trainer.run();
  await trainer.close();
  const automatic = readRunFolderSync(trainer.runDir).manifest?.optimizer.automatic ?? [];
  const blocks = automatic.find((c) => c.key === 'optimizer.blocks');
  // The demo MLP's smallest row is 4 of 468 elements: 200 x 4 / 468 = 1.7 choices, under 50.
  assert.deepEqual({ requested: blocks?.requested, chosen: blocks?.chosen }, { requested: 'auto', chosen: 'layer' });
  assert.match(blocks!.reason, /about 1\.7 times in 200 steps .* one block per tensor \(4 blocks\)/);
  assert.deepEqual(automatic.find((c) => c.key === 'optimizer.T')?.chosen, '20');
});

test('layerwise (row blocks) resumed from a checkpoint continues bit-exactly', async () => {
  const overrides = ['steps=120', 'evalEvery=0', 'statsEvery=0', 'optimizer.variant=layerwise', 'optimizer.blocks=row', 'optimizer.lr=0.01', 'checkpoint.every=60'];
  const full = await Trainer.create(demoConfig('helene', overrides));
  await full.run();
  await full.close();
  // Stop after step 70: the newest checkpoint is at step 60, so the resumed run redoes 61..120.
  let cut: Trainer | null = null;
  cut = await Trainer.create(demoConfig('helene', overrides), { record: (r) => r.kind === 'step' && r.t === 70 && cut!.stop() });
  await cut.run();
  await cut.close();
  assert.equal(readRunFolderSync(cut.runDir).summary?.steps, 70);
  const resumed = await Trainer.create(demoConfig('helene', overrides), {}, { resumeDir: cut.runDir });
  await resumed.run();
  await resumed.close();
  const finalLoss = (dir: string) => readRunFolderSync(dir).summary?.finalEval?.loss;
  assert.equal(readRunFolderSync(resumed.runDir).summary?.steps, 120);
  assert.equal(finalLoss(resumed.runDir), finalLoss(full.runDir));
});
