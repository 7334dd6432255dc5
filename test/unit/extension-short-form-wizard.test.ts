/**
 * The short form's VS Code side (extension/commands/short-form-wizard.ts) against the fake VS Code
 * API: it asks for evaluation data pre-filled with the file beside the training file (skippable),
 * writes it into the config, and its number boxes name what was typed.
 */
import './fake-vscode/install-fake-vscode';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { runShortForm } from '../../extension/commands/short-form-wizard';
import { siblingEvalFile } from '../../extension/short-form';
import { fakeState } from './fake-vscode/vscode';

function workspace(files: string[]): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-short-form-'));
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    fs.writeFileSync(path.join(root, f), '');
  }
  fakeState.workspaceRoot = root;
  fakeState.workspaceFiles = files;
  fakeState.inputBoxes.length = 0;
  return root;
}

const box = (title: RegExp) => {
  const found = fakeState.inputBoxes.find((b) => title.test(b.title ?? ''));
  assert.ok(found, `an input box titled ${title}: ${fakeState.inputBoxes.map((b) => b.title).join(' | ')}`);
  return found;
};

test('the short form offers the eval.jsonl beside the training file and writes it into the config', async (t) => {
  const root = workspace(['model.onnx', 'train.jsonl', 'eval.jsonl']);
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  // model, training data, eval data (the pre-filled value accepted), lr, steps; optimizer picked.
  fakeState.inputAnswers.push('model.onnx', 'train.jsonl', 'eval.jsonl', '0.002', '50');
  fakeState.quickPickAnswers.push('mezo (recommended)');
  const uri = await runShortForm(root);
  assert.ok(uri, 'a config was written');
  const evalBox = box(/evaluation data/);
  assert.equal(evalBox.value, 'eval.jsonl', 'pre-filled with the sibling eval file');
  assert.equal(evalBox.validateInput?.(''), undefined, 'skippable: an empty answer is accepted');
  assert.match(String(evalBox.validateInput?.('nope.jsonl')), /No file at .*nope\.jsonl/);
  const config = JSON.parse(fs.readFileSync(uri.fsPath, 'utf8'));
  assert.deepEqual(config.data, { train: '../../train.jsonl', eval: '../../eval.jsonl' });
  assert.deepEqual(fakeState.inputBoxes.map((b) => b.title?.replace('New HELENE run ', '')), ['(1/6): model', '(2/6): training data', '(3/6): evaluation data', '(5/6): learning rate', '(6/6): steps']);
});

test('an eval box left empty writes no eval file; without a sibling it starts empty', async (t) => {
  const root = workspace(['m.onnx', 'data/train.jsonl']);
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  fakeState.inputAnswers.push('m.onnx', 'data/train.jsonl', '', '0.002', '50');
  fakeState.quickPickAnswers.push('mezo (recommended)');
  const uri = await runShortForm(root);
  assert.equal(box(/evaluation data/).value, '');
  assert.deepEqual(JSON.parse(fs.readFileSync(uri!.fsPath, 'utf8')).data, { train: '../../data/train.jsonl' });
});

test('the lr and steps boxes name what was typed, with an example', async (t) => {
  const root = workspace(['m.onnx', 'train.jsonl']);
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  fakeState.inputAnswers.push('m.onnx', 'train.jsonl', '', undefined); // Escape at the lr box
  fakeState.quickPickAnswers.push('mezo (recommended)');
  assert.equal(await runShortForm(root), undefined);
  const lr = box(/learning rate/).validateInput!;
  assert.equal(lr('abc'), 'lr: "abc" is not a number; e.g. 0.001');
  assert.equal(lr('  '), 'lr: enter a number; e.g. 0.001');
  assert.equal(lr('-1'), 'lr: must be > 0, got -1');
  assert.equal(lr('0.003'), undefined);
});

test('the sibling eval file is found the way the training path was typed', () => {
  const on = (files: string[]) => (f: string) => files.includes(f);
  const root = path.resolve('/ws');
  assert.equal(siblingEvalFile(root, 'data/train.jsonl', on([path.join(root, 'data', 'validation.jsonl')])), 'data/validation.jsonl');
  assert.equal(siblingEvalFile(root, 'sst-train.jsonl', on([path.join(root, 'sst-eval.jsonl'), path.join(root, 'eval.jsonl')])), 'sst-eval.jsonl');
  assert.equal(siblingEvalFile(root, 'train.jsonl', on([])), '');
  assert.equal(siblingEvalFile(root, 'builtin:demo', on([path.join(root, 'eval.jsonl')])), '');
});

/** The real runtime (dist/cli.js, built by `npm test` before the tests) reads the real fixture. */
const cliPath = path.join(__dirname, '..', '..', 'dist', 'cli.js');
const noOutput = { info: () => undefined, warn: () => undefined, error: () => undefined, show: () => undefined } as unknown as import('../../extension/output').Output;

function lmWorkspace(fixture: string): string {
  const root = workspace(['train.jsonl']);
  fs.copyFileSync(path.join(__dirname, '..', 'fixtures', 'lm', fixture, 'model.onnx'), path.join(root, 'model.onnx'));
  fakeState.quickPicks.length = 0;
  fakeState.errorMessages.length = 0;
  return root;
}

test('a decoder is read by the runtime: the form asks what to train, LoRA first, and writes causal-lm with the chosen preset', async (t) => {
  const root = lmWorkspace('tiny-gpt');
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  fakeState.inputAnswers.push('model.onnx', 'train.jsonl', '', '0.001', '50');
  fakeState.quickPickAnswers.push('LoRA on MLP projections', 'mezo (recommended)', 'Enter a learning rate');
  const uri = await runShortForm(root, { cliPath, output: noOutput });
  assert.ok(uri, `a config was written (errors: ${fakeState.errorMessages.join('; ')})`);
  const what = fakeState.quickPicks[0];
  assert.equal(what.title, 'New HELENE run (4/7): what to train');
  assert.match(what.placeHolder ?? '', /is a causal LM/);
  assert.deepEqual(what.labels, ['LoRA on attention and MLP projections', 'LoRA on attention projections (Q, K, V, O)', 'LoRA on MLP projections', 'All but the embeddings', 'All parameters']);
  const config = JSON.parse(fs.readFileSync(uri.fsPath, 'utf8'));
  assert.deepEqual(config.model, { path: '../../model.onnx', task: 'causal-lm', lora: { rank: 8, alpha: 16, targetPreset: 'mlp' } });
  assert.deepEqual(fakeState.inputBoxes.map((b) => b.title?.replace('New HELENE run ', '')), ['(1/7): model', '(2/7): training data', '(3/7): evaluation data', '(6/7): learning rate', '(7/7): steps']);
});

test('a classifier offers its head first; LoRA trains the head in full next to the adapters', async (t) => {
  const root = lmWorkspace('tiny-encoder');
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  fakeState.inputAnswers.push('model.onnx', 'train.jsonl', '', '0.001', '50');
  fakeState.quickPickAnswers.push('LoRA on attention and MLP projections + the head', 'mezo (recommended)', 'Enter a learning rate');
  const uri = await runShortForm(root, { cliPath, output: noOutput });
  assert.ok(uri, `a config was written (errors: ${fakeState.errorMessages.join('; ')})`);
  assert.equal(fakeState.quickPicks[0].labels[0], 'The head only (the layer that makes the logits)');
  const model = JSON.parse(fs.readFileSync(uri.fsPath, 'utf8')).model;
  assert.equal(model.task, 'classification');
  assert.deepEqual(model.lora, { rank: 8, alpha: 16, targetPreset: 'attention-mlp', alsoTrain: ['^classifier\\.weight$', '^classifier\\.bias$'] });
});

test('a file that is not a model stops the form with one message naming it', async (t) => {
  const root = workspace(['train.jsonl']);
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  fs.writeFileSync(path.join(root, 'broken.onnx'), 'not a model');
  fakeState.errorMessages.length = 0;
  fakeState.inputAnswers.push('broken.onnx', 'train.jsonl', '');
  assert.equal(await runShortForm(root, { cliPath, output: noOutput }), undefined);
  assert.equal(fakeState.errorMessages.length, 1);
  assert.match(fakeState.errorMessages[0], /^Cannot read broken\.onnx: .*broken\.onnx is not a valid ONNX model/);
});
