// The Experiments page's host side (extension/experiments/experiments-panel.ts) against the fake
// VS Code API: a model on 'ready', compare and delete through the Runs view's commands, the view
// state in workspaceState, live rows from the Runs view's change events, the digest cache in the
// workspace storage (a second opening reads no metrics file).
import './fake-vscode/install-fake-vscode';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import type { HostToExperiments } from '../../runtime/protocol';
import { ExperimentsPanel, type ExperimentsPanelDeps } from '../../extension/experiments/experiments-panel';
import { writeExperimentRuns } from '../../scripts/experiment-runs-fixture';
import { EventEmitter, fakeState, Uri, type FakeWebviewPanel } from './fake-vscode/vscode';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-exp-panel-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('Experiments panel: model, compare/delete via the Runs view commands, remembered state, live rows, cached digests', async () => {
  const runsDir = path.join(tmp, 'runs');
  const runs = writeExperimentRuns(runsDir, { count: 5, steps: 40 });
  const changed = new EventEmitter<string[]>();
  const store = new Map<string, unknown>();
  const logged: string[] = [];
  const deps: ExperimentsPanelDeps = {
    extensionUri: Uri.file('/ext') as never,
    output: { info: (t: string) => logged.push(t), warn: (t: string) => logged.push(t), error: (t: string) => logged.push(`error: ${t}`) } as never,
    workspaceState: { get: (k: string) => store.get(k), update: async (k: string, v: unknown) => void store.set(k, v), keys: () => [...store.keys()] } as never,
    storageDir: path.join(tmp, 'storage'),
    runsView: { roots: [{ label: 'ws', runsDir, workspaceRoot: tmp }], onDidChangeRuns: changed.event } as never,
  };
  const first = ExperimentsPanel.show(deps)!;
  const panel = first.panel as unknown as FakeWebviewPanel;
  assert.match(panel.webview.html, /dist\/webview\/experiments\.js/);
  panel.receive({ type: 'ready' });
  await new Promise((r) => setTimeout(r, 20));
  const data = panel.posted[0] as HostToExperiments;
  assert.equal(data.type, 'experiments-data');
  if (data.type === 'experiments-data') assert.deepEqual(data.model.rows.map((r) => r.id).sort(), runs.map((r) => r.id).sort());

  panel.receive({ type: 'compare', ids: [runs[0].id, runs[1].id] });
  panel.receive({ type: 'delete', ids: [runs[2].id] });
  panel.receive({ type: 'set-baseline', id: runs[0].id });
  panel.receive({ type: 'save-columns', columns: ['name', 'metric:evalLoss.best'] });
  panel.receive({ type: 'delete', ids: 'all' });
  await new Promise((r) => setTimeout(r, 20));
  const cmds = fakeState.executedCommands.filter((c) => String(c[0]).startsWith('helene.runs.'));
  assert.deepEqual(cmds, [
    ['helene.runs.compare', [path.join(runsDir, runs[0].id), path.join(runsDir, runs[1].id)]],
    ['helene.runs.delete', [path.join(runsDir, runs[2].id)]],
  ]);
  assert.deepEqual(store.get('heleneStudio.experiments.view'), { target: { kind: 'none' }, baselineId: runs[0].id, columns: ['name', 'metric:evalLoss.best'] });
  assert.ok(logged.some((l) => /rejected a message from the webview: delete\.ids/.test(l)), logged.join('\n'));

  // A live run appended a step: the watcher's event brings its row (throttled, within ~1 s).
  const before = panel.posted.length;
  fs.appendFileSync(path.join(runsDir, runs[3].id, 'metrics.jsonl'), JSON.stringify({ kind: 'step', t: 41, loss: 0.002, lr: 1e-3, forwardPasses: 1e5, examples: 1, wallMs: 1e5, timing: {}, examplesPerSec: 1 }) + '\n');
  changed.fire([path.join(runsDir, runs[3].id)]);
  const deadline = Date.now() + 3000;
  while (panel.posted.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const live = panel.posted.at(-1) as HostToExperiments;
  assert.equal(live.type, 'rows-changed');
  if (live.type === 'rows-changed') assert.deepEqual(live.rows.map((r) => [r.id, r.metrics.trainLoss?.final]), [[runs[3].id, 0.002]]);

  // Reopened: the digests come from the cache file in the workspace storage; the state is remembered.
  panel.dispose();
  const second = ExperimentsPanel.show(deps)!;
  const panel2 = second.panel as unknown as FakeWebviewPanel;
  assert.match(logged.filter((l) => l.startsWith('experiments: read')).at(-1)!, /read 5 run folders .*\(0 metrics files read/);
  panel2.receive({ type: 'ready' });
  await new Promise((r) => setTimeout(r, 20));
  const again = panel2.posted[0] as HostToExperiments;
  if (again.type !== 'experiments-data') assert.fail('a model first');
  else {
    assert.equal(again.model.baselineId, runs[0].id);
    assert.deepEqual(again.model.columns, ['name', 'metric:evalLoss.best']);
  }
  // Another view filters the table by ranges.
  assert.equal(await ExperimentsPanel.applyRanges({ 'optimizer.lr': [1e-4, null] }), true);
  assert.deepEqual(panel2.posted.at(-1), { type: 'filter', ranges: { 'optimizer.lr': [1e-4, null] } });
  panel2.dispose();
  assert.equal(await ExperimentsPanel.applyRanges({}), false);
  assert.deepEqual(logged.filter((l) => l.startsWith('error')), []);
});
