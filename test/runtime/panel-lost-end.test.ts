/**
 * The run panel when the runtime's last messages never arrived (e2e e-resume once stayed at
 * "49,000/50,000 running" after the run had finished): the process exits 0, the session takes the
 * end from the run folder, and the open panel is sent the folder's snapshot (through the built
 * dist/cli.js history command, as in VS Code), with the last steps and the "finished" state.
 */
import '../unit/fake-vscode/install-fake-vscode';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Uri, type FakeWebviewPanel } from '../unit/fake-vscode/vscode';
import { RunPanel } from '../../extension/panel/run-panel';
import { PanelMemory } from '../../extension/panel/panel-memory';
import { RunRegistry } from '../../extension/run-registry';
import { RUN_FORMAT, RUN_FORMAT_VERSION, type RunViewSnapshot } from '../../runtime/protocol';

const REPO = path.resolve(__dirname, '../..');
const FAKE = path.join(REPO, 'test', 'unit', 'fixtures-fake-runtime', 'fake-runtime.js');
const STEPS = 6;

test('a run whose final status and last metrics were lost: the open panel is sent the folder\'s snapshot, finished at the last step', async (t) => {
  const registry = new RunRegistry();
  const store = new Map<string, unknown>();
  const memento = { get: (k: string, d: unknown) => store.get(k) ?? d, update: async (k: string, v: unknown) => void store.set(k, v), keys: () => [...store.keys()] };
  const logged: string[] = [];
  const output = { info: (s: string) => logged.push(s), warn: (s: string) => logged.push(s), error: (s: string) => logged.push(s) };
  const deps = { extensionUri: Uri.file(REPO) as never, registry, output: output as never, memory: new PanelMemory(memento as never) };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-lost-end-'));
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ format: RUN_FORMAT, version: RUN_FORMAT_VERSION, id: 'fake-run', name: 'fake', config: { steps: STEPS } }));
  fs.writeFileSync(path.join(dir, 'status.json'), JSON.stringify({ state: 'running', step: 0, totalSteps: STEPS, updatedAt: new Date().toISOString() }));
  // Started paused: the panel is open and showing the live run before the first step.
  const session = registry.start({ cliPath: FAKE, configPath: 'c.json', env: { ...process.env, FAKE_MODE: 'lost-end', FAKE_RUN_DIR: dir, FAKE_STEPS: String(STEPS), FAKE_START_PAUSED: '1' } }, 'label');
  await session.events.once('started');
  const panel = RunPanel.show(deps, dir)!;
  const fake = panel.panel as unknown as FakeWebviewPanel;
  t.after(() => {
    panel.panel.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  fake.receive({ type: 'ready' });
  assert.equal((fake.posted[0] as { type: string; live: boolean }).live, true, 'the first snapshot was the live one');
  const ended = session.events.once('ended');
  assert.ok(session.process.resume().ok);
  await ended;
  const fromFolder = await (async () => {
    for (let i = 0; i < 1_000; i++) {
      const m = fake.posted.find((p) => (p as { type: string }).type === 'snapshot-json') as { json: string; live: boolean } | undefined;
      if (m) return m;
      await new Promise((r) => setTimeout(r, 20));
    }
    return undefined;
  })();
  assert.ok(fromFolder, `the panel was sent the folder's snapshot after the end: ${JSON.stringify(fake.posted.map((p) => (p as { type: string }).type))} ${logged.join(' | ')}`);
  assert.equal(fromFolder.live, false);
  const snap = JSON.parse(fromFolder.json) as RunViewSnapshot;
  assert.equal(snap.status?.state, 'finished');
  assert.equal(snap.records.at(-1)?.t, STEPS, 'with the steps whose metrics never arrived over IPC');
  assert.equal(snap.summary?.steps, STEPS);
  assert.ok(session.records.length < STEPS, 'the live mirror really missed them');
});
