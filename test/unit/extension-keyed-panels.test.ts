// The compare panel's host side (extension/compare/compare-panel.ts, over extension/keyed-panels.ts
// and the page host's throttled reload) against the fake VS Code API: one panel per set of runs,
// a panel that fails to build is reported and forgotten, and a change to a compared run reaches a
// listening page as a new model.
import './fake-vscode/install-fake-vscode';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import type { HostToCompare } from '../../runtime/protocol';
import { ComparePanel, type ComparePanelDeps } from '../../extension/compare/compare-panel';
import { writeExperimentRuns } from '../../scripts/experiment-runs-fixture';
import { EventEmitter, fakeState, Uri, type FakeWebviewPanel } from './fake-vscode/vscode';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-keyed-panels-'));
after(() => {
  ComparePanel.disposeAll();
  fs.rmSync(tmp, { recursive: true, force: true });
});
const runsDir = path.join(tmp, 'runs');
const runs = writeExperimentRuns(runsDir, { count: 3, steps: 20 }).map((r) => ({ dir: path.join(runsDir, r.id) }));
const changed = new EventEmitter<string[]>();
const logged: string[] = [];
const deps: ComparePanelDeps = {
  extensionUri: Uri.file('/ext') as never,
  output: { info: (t: string) => logged.push(t), warn: (t: string) => logged.push(t), error: (t: string) => logged.push(`error: ${t}`) } as never,
  openRun: () => undefined,
  onDidChangeRuns: changed.event as never,
};

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(ok(), what);
}

test('compare panel: one panel per set of runs, revealed when shown again, a new one after it is closed', () => {
  const dirs = runs.slice(0, 2).map((r) => r.dir);
  const first = ComparePanel.show(deps, dirs)!;
  const again = ComparePanel.show(deps, [...dirs].reverse())!;
  assert.equal(again, first, 'the same runs in another order are the same comparison');
  assert.equal((first.panel as unknown as FakeWebviewPanel).reveals, 1);
  const other = ComparePanel.show(deps, runs.map((r) => r.dir))!;
  assert.notEqual(other, first);
  first.panel.dispose();
  const reopened = ComparePanel.show(deps, dirs)!;
  assert.notEqual(reopened, first, 'a closed panel is forgotten');
  assert.equal((reopened.panel as unknown as FakeWebviewPanel).reveals, 0);
  other.panel.dispose();
  reopened.panel.dispose();
});

test('compare panel: a page that fails to build is reported, closed and forgotten (the next show builds anew)', () => {
  const dirs = [runs[2].dir];
  const errorsBefore = fakeState.errorMessages.length;
  fakeState.failNextHtml = new Error('no page today');
  assert.equal(ComparePanel.show(deps, dirs), undefined);
  const failed = fakeState.created[fakeState.created.length - 1];
  assert.ok(failed.isDisposed, 'the half-made panel is closed');
  assert.match(fakeState.errorMessages[errorsBefore], /could not open the comparison: no page today/);
  const next = ComparePanel.show(deps, dirs)!;
  assert.ok(next, 'the key was forgotten: the next show builds a panel');
  assert.notEqual(next.panel, failed);
  next.panel.dispose();
});

test('compare panel: a change to a compared run is re-read and pushed to the listening page', async () => {
  const dirs = runs.slice(0, 2).map((r) => r.dir);
  const shown = ComparePanel.show(deps, dirs)!;
  const panel = shown.panel as unknown as FakeWebviewPanel;
  panel.receive({ type: 'ready' });
  await until('the model is posted on ready', () => panel.posted.length === 1);
  changed.fire([path.join(tmp, 'runs', 'not-compared')]);
  changed.fire([dirs[1]]);
  await until('a change to a compared run posts the re-read model', () => panel.posted.length === 2);
  const second = panel.posted[1] as HostToCompare;
  assert.equal(second.type, 'compare-data');
  shown.panel.dispose();
});
