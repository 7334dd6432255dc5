// The run panel's host side (extension/panel/run-panel.ts) against the fake VS Code API, whose
// disposed webviews throw "Webview is disposed" as VS Code's do.
import './fake-vscode/install-fake-vscode';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fakeState, Uri, type FakeWebviewPanel } from './fake-vscode/vscode';
import { RunPanel, type RunPanelDeps } from '../../extension/panel/run-panel';
import { PanelMemory } from '../../extension/panel/panel-memory';
import { RunRegistry } from '../../extension/run-registry';


function deps(registry = new RunRegistry()): RunPanelDeps & { logged: string[] } {
  const logged: string[] = [];
  const store = new Map<string, unknown>();
  const memento = { get: (k: string, d: unknown) => store.get(k) ?? d, update: async (k: string, v: unknown) => void store.set(k, v), keys: () => [...store.keys()] };
  const output = { info: (t: string) => logged.push(t), warn: (t: string) => logged.push(t), error: (t: string) => logged.push(t) };
  return { extensionUri: Uri.file('/ext') as never, registry, output: output as never, memory: new PanelMemory(memento as never), logged };
}

function runDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-panel-'));
  fs.writeFileSync(path.join(dir, 'run.json'), '{}');
  return dir;
}

test('Open run panel after the tab was closed opens a new panel instead of revealing the disposed one', () => {
  const d = deps();
  const dir = runDir();
  const first = RunPanel.show(d, dir)!;
  (first.panel as unknown as FakeWebviewPanel).dispose(); // the user closes the tab
  const second = RunPanel.show(d, dir)!;
  assert.notEqual(second, first);
  assert.equal((second.panel as unknown as FakeWebviewPanel).isDisposed, false);
  assert.equal(RunPanel.find(dir), second);
  second.panel.dispose();
});

test('a panel whose page failed to build is not kept: the next Open run panel builds a new one', () => {
  const d = deps();
  const dir = runDir();
  fakeState.failNextHtml = new Error('could not build the page');
  assert.equal(RunPanel.show(d, dir), undefined);
  assert.ok(d.logged.some((l) => /could not open the run panel of .*: could not build the page/.test(l)), 'the reason reaches the Output channel');
  assert.ok(fakeState.errorMessages.some((m) => /could not build the page/.test(m)), 'and a notification');
  const failed = fakeState.created[fakeState.created.length - 1];
  assert.equal(failed.isDisposed, true, 'the half-built tab is closed, not left blank');
  assert.equal(RunPanel.find(dir), undefined);
  // Before the fix this revealed the disposed panel, which throws "Webview is disposed" in VS Code.
  const again = RunPanel.show(d, dir)!;
  assert.equal((again.panel as unknown as FakeWebviewPanel).isDisposed, false);
  assert.notEqual(again.panel as unknown, failed);
  again.panel.dispose();
});

const FAKE = path.join(__dirname, 'fixtures-fake-runtime', 'fake-runtime.js');

test('after Resume from checkpoint a newly opened panel attaches to the live resumed run, not the ended one', async (t) => {
  const registry = new RunRegistry();
  const d = deps(registry);
  const dir = runDir();
  const start = (steps?: number) => registry.start({ cliPath: FAKE, configPath: 'c.json', env: { ...process.env, FAKE_MODE: 'normal', FAKE_RUN_DIR: dir, ...(steps ? { FAKE_STEPS: String(steps) } : {}) } }, 'label');
  const first = start(2);
  await first.process.exited; // the run stopped in this window; its panel tab was closed
  const resumed = start();
  await resumed.events.once('started');
  // What followRuns does on 'started': open the folder's panel.
  const panel = RunPanel.show(d, dir)!;
  const fake = panel.panel as unknown as FakeWebviewPanel;
  t.after(async () => {
    await resumed.process.stop(2000);
    panel.panel.dispose();
  });
  fake.receive({ type: 'ready' });
  await new Promise((r) => setTimeout(r, 50));
  const snapshot = fake.posted.find((m) => (m as { type: string }).type === 'snapshot') as { live: boolean } | undefined;
  assert.equal(snapshot?.live, true, 'the panel shows the live run (controls enabled), not a recorded one');
  fake.receive({ type: 'control', command: 'pause' });
  assert.ok(d.logged.some((l) => /sent pause/.test(l)), `the pause reached the live run: ${d.logged.join(' | ')}`);
});
