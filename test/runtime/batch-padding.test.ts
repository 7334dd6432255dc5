/**
 * Per-batch padding (runtime/data/batch-padding.ts) is inert: on the pre-trained fixtures, every
 * example's loss with its batch padded to the batch's longest example equals the loss with the
 * dataset's full padding within 1e-5, for the unperturbed and a perturbed pass, for training batches
 * (the same examples in the same order) and evaluation batches. And the batches really are narrower.
 * A fixed-length export keeps full padding and the run says why.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadConfig, parseOverride } from '../../runtime/cli/config-file';
import { loadTrainingModel } from '../../runtime/run/load-model';
import { TrainingEngine } from '../../runtime/engine/training-engine';
import type { TrainableLayer } from '../../runtime/optim';
import { loadRunData } from '../../runtime/data/text/load-run-data';
import { evalBatches, TrainBatcher } from '../../runtime/data/batcher';
import { sequenceLayout } from '../../runtime/data/batch-padding';
import { ENCODER_DIR, GPT_DIR, maxAbsDiff } from '../unit/lm-helpers';
import { tempDir } from './helpers';
import { Trainer } from '../../runtime/run/trainer';
import { readRunFolderSync } from '../../runtime/run/run-reader';
import { ISSUE17_ENCODER, writeTextEncoderWorkspace } from '../../bench/text-encoder';

/** The trainer's set-up (model → engine → datasets), with seeded non-zero directions for perturbed passes. */
async function pipeline(configFile: string, overrides: string[]) {
  const { config } = loadConfig(configFile, [`output.runsDir=${JSON.stringify(tempDir('padding'))}`, ...overrides].map(parseOverride));
  const loaded = loadTrainingModel(config.model, config.seed);
  let s = 12345;
  const layers: TrainableLayer[] = loaded.graph.trainables.map((t) => ({
    name: t.name, shape: t.shape, size: t.size, rank: t.rank,
    theta: Float32Array.from(t.initial),
    dir: Float32Array.from({ length: t.size }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1),
  }));
  const byName = new Map(loaded.graph.trainables.map((t) => [t.name, t]));
  const engine = await TrainingEngine.create(
    { model: loaded.graph.bytes, lossOutput: loaded.graph.lossOutput, scaleInput: loaded.graph.scaleInput, thetaInput: (n) => byName.get(n)!.thetaInput, dirInput: (n) => byName.get(n)!.dirInput },
    layers,
    { ...config.engine, profileDir: config.output.runsDir },
  );
  const classes = config.model.task === 'classification' ? { input: 'labels', count: loaded.classes! } : undefined;
  const data = loadRunData(config, engine.dataInputs(), loaded, classes, () => []);
  return { config, engine, ...data };
}

async function passLosses(engine: TrainingEngine, feeds: Parameters<TrainingEngine['setBatch']>[0]): Promise<Float32Array[]> {
  engine.setBatch(feeds);
  return [Float32Array.from(await engine.losses(0)), Float32Array.from(await engine.losses(1e-3))];
}

// A quarter of the encoder's examples fill all 64 positions, so its batches of 32 are nearly always
// full width: batches of 4 make narrower ones (and the padding this test is about) common.
for (const [label, configFile, overrides] of [
  ['tiny-encoder (classification)', path.join(ENCODER_DIR, 'finetune-head.json'), ['data.batchSize=4']],
  ['tiny-gpt (causal LM, LoRA)', path.join(GPT_DIR, 'finetune-lora.json'), []],
] as const) {
  test(`${label}: per-example losses with per-batch padding equal full padding within 1e-5`, async () => {
    const { config, engine, train, evalSet } = await pipeline(configFile, [...overrides]);
    try {
      const { layout, fullWidthReason } = sequenceLayout(train, engine.dataInputs());
      assert.ok(layout, `the fixture's sequence axis is dynamic and it has an attention mask (${fullWidthReason})`);
      const B = config.data.batchSize;
      const narrow = new TrainBatcher(train, B, config.seed, true, layout);
      const full = new TrainBatcher(train, B, config.seed, true);
      let worst = 0;
      const widths: number[] = [];
      for (let step = 0; step < 6; step++) {
        const a = await passLosses(engine, narrow.next());
        widths.push(narrow.width!);
        const b = await passLosses(engine, full.next());
        for (let k = 0; k < a.length; k++) worst = Math.max(worst, maxAbsDiff(a[k], b[k]));
      }
      assert.deepEqual(narrow.cursor, full.cursor, 'the same examples in the same order');
      assert.ok(worst <= 1e-5, `largest per-example loss difference ${worst}`);
      assert.ok(Math.min(...widths) < layout.width, `some batches are narrower than the dataset width ${layout.width} (widths ${widths.join(', ')})`);

      const evalLayout = sequenceLayout(evalSet!, engine.dataInputs()).layout;
      let evalWorst = 0;
      const fullEval = evalBatches(evalSet!, B);
      let batches = 0;
      for (const batch of evalBatches(evalSet!, B, evalLayout)) {
        if (batches++ >= 4) break;
        const a = await passLosses(engine, batch.feeds);
        const b = await passLosses(engine, fullEval.next().value!.feeds);
        evalWorst = Math.max(evalWorst, maxAbsDiff(a[0], b[0]));
      }
      assert.ok(evalWorst <= 1e-5, `evaluation: largest per-example loss difference ${evalWorst}`);
    } finally {
      await engine.release();
    }
  });
}

test('a model with a fixed sequence length is fed every batch at that length, and the run says so', async () => {
  const dir = tempDir('fixed-seq');
  const configFile = writeTextEncoderWorkspace(dir, { ...ISSUE17_ENCODER, dModel: 32, layers: 1, fixedSequence: 64 });
  const { config } = loadConfig(configFile, [`output.runsDir=${JSON.stringify(path.join(dir, 'runs'))}`, 'steps=12', 'data.batchSize=4', 'data.bucketByLength=true'].map(parseOverride));
  const trainer = await Trainer.create(config, {}, { profile: true });
  try {
    await trainer.run();
  } finally {
    await trainer.close();
  }
  const warnings = readRunFolderSync(trainer.runDir).records.filter((r) => r.kind === 'event' && r.event === 'warning').map((r) => (r as { message: string }).message);
  assert.ok(warnings.some((m) => /fixed sequence length \(64\)/.test(m) && /bucketByLength is ignored/.test(m)), `a warning names the fixed length (warnings: ${warnings.join(' | ')})`);
  assert.equal(trainer.profile!.meanSequenceWidth, 64, 'every batch fed at the fixed length');
});
