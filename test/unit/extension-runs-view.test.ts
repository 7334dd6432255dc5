/** The Runs view's and Compare panel's vscode-free glue (extension/runs-view/runs-view-model.ts, extension/compare/compare-naming.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RunCatalog } from '../../runtime/runs/discovery';
import { buildRunsTree } from '../../runtime/runs/tree-model';
import {
  deleteQuestion,
  resolveRunTargets,
  rerunConfigPath,
  rootItemFields,
  rootOfRunDir,
  runItemFields,
  treeRedraw,
  type ShownTree,
  runsRoots,
  slugify,
  type RunsElement,
  type RunsRoot,
} from '../../extension/runs-view/runs-view-model';
import { compareKey, comparePanelTitle, runNameOf, saveFilters } from '../../extension/compare/compare-naming';
import { annotateRun } from '../../runtime/runs/annotations';
import { manifest, status, writeRun } from './runs-fixtures';

const ROOT: RunsRoot = { label: 'ws', runsDir: path.resolve('/ws/runs'), workspaceRoot: path.resolve('/ws') };

function runElement(id: string): RunsElement {
  return {
    kind: 'run',
    root: ROOT,
    node: { id, label: id, description: '', tooltip: '', icon: { id: 'pass' }, contextValue: 'heleneRun.ended', runDir: path.join(ROOT.runsDir, id), runId: id },
  };
}

test('runsRoots resolves each folder’s runs folder and lists a shared one once', () => {
  const roots = runsRoots([
    { name: 'a', fsPath: '/ws/a', runsFolder: 'runs' },
    { name: 'b', fsPath: '/ws/b', runsFolder: '' },
    { name: 'c', fsPath: '/ws/c', runsFolder: '../a/runs' },
    { name: 'd', fsPath: '/ws/d', runsFolder: '/abs/runs' },
  ]);
  assert.deepEqual(
    roots.map((r) => [r.label, r.runsDir]),
    [
      ['a', path.resolve('/ws/a/runs')],
      ['b', path.resolve('/ws/b/runs')],
      ['d', path.resolve('/abs/runs')],
    ],
  );
  assert.equal(rootOfRunDir(roots, '/ws/b/runs/20260101-x')?.label, 'b');
  assert.equal(rootOfRunDir(roots, '/ws/b/runs/x/nested'), undefined);
  assert.equal(rootItemFields(roots[0], 1).description, '1 run');
});

test('resolveRunTargets: clicked within the selection → the selection; else the clicked item; else a path or the fallback', () => {
  const [a, b, c] = ['r1', 'r2', 'r3'].map(runElement);
  const dirs = (xs: { runDir: string }[]) => xs.map((x) => path.basename(x.runDir));
  assert.deepEqual(dirs(resolveRunTargets(a, [a, b])), ['r1', 'r2']);
  assert.deepEqual(dirs(resolveRunTargets(c, [a, b])), ['r3']);
  assert.deepEqual(dirs(resolveRunTargets(a, undefined)), ['r1']);
  assert.deepEqual(dirs(resolveRunTargets(undefined, undefined, [b, c, b])), ['r2', 'r3']);
  assert.deepEqual(dirs(resolveRunTargets('/some/runs/x', undefined, [a])), ['x']);
  assert.deepEqual(dirs(resolveRunTargets(['/r/a', '/r/b', 3], undefined)), ['a', 'b']);
  assert.deepEqual(resolveRunTargets({ kind: 'root', root: ROOT }, undefined), []);
  assert.deepEqual(resolveRunTargets({ kind: 'run', node: {} }, undefined), []);
});

test('re-run copies go to .helene/configs/<slug>-rerun.helene.json, never over an earlier copy', () => {
  assert.equal(slugify('HELENE lr=1e-3 / seed 2'), 'helene-lr-1e-3-seed-2');
  assert.equal(slugify('  ..  '), 'run');
  assert.equal(slugify('Ünïcode—name'), 'unicode-name');
  const taken = new Set([path.join('/ws', '.helene', 'configs', 'demo-rerun.helene.json')]);
  assert.equal(rerunConfigPath('/ws', 'demo', (f) => taken.has(f)), path.join('/ws', '.helene', 'configs', 'demo-rerun-2.helene.json'));
  assert.equal(rerunConfigPath('/ws', 'other', (f) => taken.has(f)), path.join('/ws', '.helene', 'configs', 'other-rerun.helene.json'));
});

test('the delete question names the folder and says nothing else is removed', () => {
  const one = deleteQuestion(['/ws/runs/20260101-demo']);
  assert.match(one.message, /"20260101-demo"/);
  assert.match(one.detail, /\/ws\/runs\/20260101-demo/);
  assert.match(one.detail, /Nothing else is removed/);
  assert.match(deleteQuestion(['/a', '/b']).message, /2 run folders/);
});

test('compare panel naming: one key per set of runs, readable title, export filters', () => {
  assert.equal(compareKey(['/r/b', '/r/a', '/r/b']), compareKey(['/r/a', '/r/b']));
  assert.equal(comparePanelTitle(['demo-mezo', 'demo-helene', 'demo-helene-recommended']), 'Compare: demo-mezo, demo-helene +1');
  assert.equal(comparePanelTitle(['a', 'b']), 'Compare: a, b');
  assert.equal(
    comparePanelTitle(['sweep-demo steps=400000 lr=0.003', 'sweep-demo steps=400000 lr=0.01']),
    'Compare: sweep-demo s…00 lr=0.003, sweep-demo s…000 lr=0.01',
    'long names keep their start and end, so a sweep\'s runs stay told apart',
  );
  assert.deepEqual(Object.values(saveFilters('compare-summary.csv'))[0], ['csv']);
  assert.deepEqual(Object.keys(saveFilters('compare-eval.svg'))[0], 'SVG image');
});

test('the compare tab names runs by their names (renamed or not), the folder id only when run.json is unreadable', () => {
  const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-compare-title-'));
  const mezo = writeRun(runsDir, '20260101-000000-demo-mezo', { manifest: manifest('20260101-000000-demo-mezo', 'mezo', 2, { name: 'demo-mezo' }) });
  const helene = writeRun(runsDir, '20260101-000001-demo-helene', { manifest: manifest('20260101-000001-demo-helene', 'helene', 2, { name: 'demo-helene' }) });
  const broken = writeRun(runsDir, '20260101-000002-broken', { manifest: '{' });
  assert.equal(comparePanelTitle([mezo, helene, broken].map(runNameOf)), 'Compare: demo-mezo, demo-helene +1');
  assert.equal(runNameOf(broken), '20260101-000002-broken');
  annotateRun(helene, { name: 'helene lr 0.003' });
  assert.equal(runNameOf(helene), 'helene lr 0.003');
  fs.rmSync(runsDir, { recursive: true, force: true });
});

test('a runs folder with a broken run becomes an unreadable tree item with the reason, next to the readable ones', () => {
  const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-runs-view-'));
  try {
    fs.mkdirSync(path.join(runsDir, 'broken'));
    fs.writeFileSync(path.join(runsDir, 'broken', 'run.json'), '{ not json');
    fs.mkdirSync(path.join(runsDir, 'empty'));
    fs.mkdirSync(path.join(runsDir, '.hidden'));
    const catalog = new RunCatalog(runsDir);
    const fields = buildRunsTree(catalog.refresh()).map(runItemFields);
    assert.deepEqual(fields.map((f) => f.label), ['broken', 'empty']);
    for (const f of fields) {
      assert.equal(f.contextValue, 'heleneRun.unreadable');
      assert.equal(f.id, f.runDir);
      assert.match(f.description, /^unreadable: /);
    }
    assert.match(fields[0].description, /not valid JSON/);
    assert.match(fields[1].tooltip, /no run\\?\.json/);
  } finally {
    fs.rmSync(runsDir, { recursive: true, force: true });
  }
});

test('the view redraws rows alone while the same rows stand in order, everything when rows come or go, nothing for a watcher echo', () => {
  const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-shown-'));
  const live = writeRun(runsDir, 'r1', { manifest: manifest('r1', 'mezo', 2), status: status('running', 100, 1024) });
  const done = writeRun(runsDir, 'r2', { manifest: manifest('r2', 'helene', 2), status: status('finished', 1024, 1024) });
  const catalog = new RunCatalog(runsDir);
  catalog.refresh();
  const shown = (message?: string): ShownTree => ({ roots: [{ error: null, nodes: buildRunsTree(catalog.list()) }], message });
  const first = shown();
  assert.equal(treeRedraw(null, first), 'all', 'the first draw');
  assert.equal(treeRedraw(first, shown()), 'none');

  // A live run's progress: its row alone (a full redraw would drop the handles a context menu holds).
  writeRun(runsDir, 'r1', { status: status('running', 600, 1024) });
  catalog.refreshRun('r1');
  const progressed = shown();
  assert.deepEqual(treeRedraw(first, progressed), [live]);

  // An annotation: the command's own refresh redraws the row; the file watcher's echo, nothing.
  annotateRun(done, { notes: 'tried lr 0.003' });
  catalog.refreshRun('r2');
  const annotated = shown();
  assert.deepEqual(treeRedraw(progressed, annotated), [done]);
  catalog.refreshRun('r2');
  assert.equal(treeRedraw(annotated, shown()), 'none');

  // Rows that come or go, or another message: everything.
  writeRun(runsDir, 'r3', { manifest: manifest('r3', 'mezo', 2), status: status('finished', 1024, 1024) });
  catalog.refresh();
  const added = shown();
  assert.equal(treeRedraw(annotated, added), 'all');
  assert.equal(treeRedraw(added, shown('No runs yet')), 'all');
  fs.rmSync(runsDir, { recursive: true, force: true });
});
