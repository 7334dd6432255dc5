/**
 * Scenario b, short form: "Start HELENE run" → "New run from a short form…" → seven answers (what to train read off the model by the runtime; the
 * evaluation file pre-filled with the demo's eval.jsonl beside train.jsonl), each
 * validated as it is typed (a missing model file, a missing data file, a negative lr and a
 * fractional step count are refused in place), the learning-rate finder's suggestion pre-fills the
 * lr box, the config lands in .helene/configs/, and the live panel shows loss points, the schedule,
 * step time, the per-layer heatmap and table within 10 s of the last answer.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pickQuick, readJson, runCommand, runDirs, screenshots, statusBarText, step, waitFor, type Workbench } from '../workbench';
import { answerInput, escapeRegExp, panelComplete, panelTitled, waitForQuickInputTitle } from './ui';

export async function scenarioBShortForm(wb: Workbench): Promise<void> {
  const page = wb.page;
  const ws = wb.workspace;
  const configDir = path.join(ws, '.helene', 'configs');
  const configsBefore = fs.existsSync(configDir) ? fs.readdirSync(configDir) : [];
  const runsBefore = runDirs(ws).length;

  await runCommand(page, 'HELENE: Start HELENE run');
  await pickQuick(page, 'New run from a short form', 'New run from a short form…');
  const model = await answerInput(page, {
    title: '(1/7): model',
    prefilled: 'demo-mlp.onnx', // the workspace's one ONNX file
    refused: [['no-such-model.onnx', new RegExp(`No file at ${escapeRegExp(path.join(ws, 'no-such-model.onnx'))}`)]],
  });
  await answerInput(page, {
    title: '(2/7): training data',
    prefilled: 'train.jsonl',
    refused: [['', /Enter the training data path/], ['data/missing.jsonl', /No file at .*data\/missing\.jsonl/]],
  });
  await answerInput(page, {
    title: '(3/7): evaluation data',
    prefilled: 'eval.jsonl', // beside train.jsonl: the run draws an eval curve
    refused: [['no-eval.jsonl', /No file at .*no-eval\.jsonl/]],
  });
  // The runtime reads the model in its own process: the demo's MLP is a classifier.
  await waitForQuickInputTitle(page, '(4/7): what to train');
  await pickQuick(page, 'All parameters');
  await waitForQuickInputTitle(page, '(5/7): optimizer');
  await pickQuick(page, 'helene (layerwise)');
  await waitForQuickInputTitle(page, '(6/7): learning rate');
  await pickQuick(page, 'Find a learning rate');
  // The finder probes in its own process and pre-fills the box with its suggestion.
  const lr = await answerInput(page, {
    title: '(6/7): learning rate',
    prefilled: /^\d+(\.\d+)?(e-?\d+)?$/,
    refused: [['-0.01', /must be > 0/], ['abc', /lr: "abc" is not a number; e\.g\. /]],
  });
  const suggested = Number(lr.prefilled);
  assert.ok(suggested > 0 && suggested < 1, `the finder suggested lr ${lr.prefilled}`);
  await answerInput(page, {
    title: '(7/7): steps',
    prefilled: '1000',
    refused: [['12.5', /integer/], ['0', /must be >= 1/]],
    value: '200000',
  });
  const t0 = Date.now();

  const written = await step('the config is written to .helene/configs/', () =>
    waitFor('a new .helene.json in .helene/configs/', () => (fs.existsSync(configDir) ? fs.readdirSync(configDir).find((f) => !configsBefore.includes(f) && f.endsWith('.helene.json')) : undefined), 5_000),
  );
  const config = readJson(path.join(configDir, written));
  assert.equal(written, 'helene-demo-mlp.helene.json');
  assert.deepEqual(
    { name: config.name, steps: config.steps, model: config.model, data: config.data, optimizer: config.optimizer },
    {
      name: 'helene-demo-mlp',
      steps: 200000,
      model: { path: `../../${model.prefilled}`, task: 'classification', trainablePreset: 'all' }, // path relative to the config file, as the CLI resolves it
      data: { train: '../../train.jsonl', eval: '../../eval.jsonl' },
      optimizer: { name: 'helene', variant: 'layerwise', blocks: 'auto', curvatureFloor: 0.1, lr: suggested },
    },
  );

  const statusFile = () => path.join(runDirs(ws).at(-1)!, 'status.json');
  try {
    await liveChecks();
  } finally {
    // Leave no live run behind, even when a check failed (a live run redraws the next scenarios' views).
    if (runDirs(ws).length > runsBefore && readJson(statusFile())?.state === 'running') await runCommand(page, 'HELENE: Stop').catch(() => undefined);
  }
  await step('the run ends', () => waitFor('status.json stopped or finished', () => ['stopped', 'finished'].includes(readJson(statusFile())?.state), 15_000));
  await runCommand(page, 'View: Close All Editors');

  async function liveChecks(): Promise<void> {
    const panel = await panelTitled(page, /helene-demo-mlp/, 10_000);
    const d = await step('the panel shows loss, schedule, step time and the per-layer heatmap and table', () => panelComplete(panel, 10_000 - (Date.now() - t0) + 2_000));
    const elapsed = Date.now() - t0;
    console.log(`[e2e] b-short: panel complete ${elapsed} ms after the last answer`);
    assert.ok(elapsed <= 10_000, `the panel took ${elapsed} ms (goal ≤ 10 s)`);
    assert.ok(d.heatmap!.cols > 0 && (await panel.locator('canvas').count()) >= 3, 'the charts and the heatmap are drawn');
    const dirs = runDirs(ws);
    assert.equal(dirs.length, runsBefore + 1, 'one run folder was written');
    const dir = dirs.at(-1)!;
    assert.equal(readJson(path.join(dir, 'config.json'))?.optimizer?.lr, suggested, "the run uses the form's lr");
    assert.match(String(readJson(path.join(dir, 'config.json'))?.data?.eval), /eval\.jsonl$/, "the run evaluates on the form's eval file");
    // The status bar names the optimizer as the panel and the Runs view do (one label function).
    assert.match(await statusBarText(page), /helene \(layerwise\)/);
    assert.match(await panel.locator('#run-title').innerText().catch(() => ''), /helene \(layerwise\)/);
    await screenshots(wb, 'b-short-form');
  }
}
