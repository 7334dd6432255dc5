/**
 * "Create demo workspace" (extension/commands/create-demo.ts) through the real CLI (dist/cli.js):
 * a folder that holds files is refused with one clear message and nothing written, an empty one
 * receives the demo, and only then is the walkthrough's "demo" step completed (its completion
 * event is the context key the command sets, not the command's invocation).
 */
import './fake-vscode/install-fake-vscode';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { createDemoWorkspaceCommand, DEMO_CREATED_CONTEXT } from '../../extension/commands/create-demo';
import type { Services } from '../../extension/services';
import { fakeState, Uri } from './fake-vscode/vscode';

const ROOT = path.resolve(__dirname, '..', '..');
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const logged: string[] = [];
const services = { extensionPath: ROOT, output: { info: (m: string) => logged.push(m), warn: () => undefined, error: () => undefined } } as unknown as Services;
const contextSets = () => fakeState.executedCommands.filter(([id, key]) => id === 'setContext' && key === DEMO_CREATED_CONTEXT);

test('the walkthrough\'s demo step completes on the context key the command sets', () => {
  const demo = manifest.contributes.walkthroughs[0].steps.find((s: { id: string }) => s.id === 'demo');
  assert.deepEqual(demo.completionEvents, [`onContext:${DEMO_CREATED_CONTEXT}`]);
});

test('a folder that holds files is refused: one message, nothing written, the step stays open', async () => {
  assert.ok(fs.existsSync(path.join(ROOT, 'dist', 'cli.js')), 'run npm run build first');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-demo-full-'));
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
  fakeState.executedCommands.length = 0;
  fakeState.errorMessages.length = 0;
  fakeState.openDialogAnswers.push([Uri.file(dir)]);
  assert.equal(await createDemoWorkspaceCommand(services)(), undefined);
  assert.deepEqual(fakeState.errorMessages, [`HELENE: ${dir} is not empty; choose an empty or new folder (nothing was written)`]);
  assert.deepEqual(fs.readdirSync(dir), ['notes.txt']);
  assert.deepEqual(contextSets(), [], 'the walkthrough step is not completed by a refused folder');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('an empty folder receives the demo, and the step is completed', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-demo-empty-'));
  fakeState.executedCommands.length = 0;
  fakeState.infoMessages.length = 0;
  fakeState.openDialogAnswers.push([Uri.file(dir)]);
  assert.equal(await createDemoWorkspaceCommand(services)(), dir);
  assert.ok(['demo-mlp.onnx', 'train.jsonl', 'eval.jsonl', 'helene.helene.json', 'mezo.helene.json', 'README.md'].every((f) => fs.existsSync(path.join(dir, f))));
  assert.deepEqual(fakeState.infoMessages, [`Demo workspace created in ${dir}.`]);
  assert.deepEqual(contextSets(), [['setContext', DEMO_CREATED_CONTEXT, true]]);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a cancelled dialog does nothing', async () => {
  fakeState.executedCommands.length = 0;
  fakeState.openDialogAnswers.push(undefined);
  assert.equal(await createDemoWorkspaceCommand(services)(), undefined);
  assert.deepEqual(fakeState.executedCommands, []);
});
