/** Annotations keep every other run.json field; delete removes exactly one run folder and refuses anything else. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEAD_PID, manifest, status, tempDir, writeRun } from './runs-fixtures';
import { annotateRun, AnnotationError, parseTagList } from '../../runtime/runs/annotations';
import { checkDeletable, deleteRun, DeleteRefused } from '../../runtime/runs/delete-run';

test('annotations change only their fields and keep unknown ones', () => {
  const runs = tempDir('ann');
  const m = { ...manifest('a', 'mezo', 2), futureField: { kept: [1, 2] } };
  const dir = writeRun(runs, 'a', { manifest: m as never });
  annotateRun(dir, { name: '  renamed  ', notes: 'lr too high?', tags: [' fast ', 'fast', 'paper', ''], starred: true });
  const after = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8'));
  assert.equal(after.name, 'renamed');
  assert.equal(after.notes, 'lr too high?');
  assert.deepEqual(after.tags, ['fast', 'paper']);
  assert.equal(after.starred, true);
  const { name: _n, notes: _no, tags: _t, starred: _s, ...rest } = after;
  const { name: _n2, ...restBefore } = m;
  assert.deepEqual(rest, restBefore, 'every other field is byte-for-byte the same value');
  annotateRun(dir, { starred: false, tags: [], notes: '' });
  const cleared = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8'));
  assert.equal('starred' in cleared || 'tags' in cleared || 'notes' in cleared, false);
  assert.equal(cleared.name, 'renamed');
  assert.deepEqual(fs.readdirSync(dir), ['run.json'], 'no temp file left behind');
});

test('bad annotations are refused and the file is untouched', () => {
  const runs = tempDir('ann');
  const dir = writeRun(runs, 'a', { manifest: manifest('a', 'mezo', 2) });
  const before = fs.readFileSync(path.join(dir, 'run.json'), 'utf8');
  assert.throws(() => annotateRun(dir, { name: '   ' }), AnnotationError);
  assert.throws(() => annotateRun(dir, { tags: ['x'.repeat(61)] }), /longer than 60/);
  assert.equal(fs.readFileSync(path.join(dir, 'run.json'), 'utf8'), before);
  const broken = writeRun(runs, 'b', { manifest: '{nope' });
  assert.throws(() => annotateRun(broken, { starred: true }), /cannot annotate/);
  const newer = writeRun(runs, 'c', { manifest: { ...manifest('c', 'mezo', 2), version: 7 } });
  assert.throws(() => annotateRun(newer, { starred: true }), /newer/);
  assert.deepEqual(parseTagList('a, b ,,a, c d'), ['a', 'b', 'c d']);
});

test('delete removes exactly the run folder, nothing beside it', () => {
  const root = tempDir('del');
  const runs = path.join(root, 'runs');
  const a = writeRun(runs, 'a', { manifest: manifest('a', 'mezo', 2), status: status('finished', 1, 1) });
  writeRun(runs, 'b', { manifest: manifest('b', 'mezo', 2) });
  fs.writeFileSync(path.join(root, 'keep.txt'), 'x');
  assert.equal(deleteRun(runs, a), fs.realpathSync(runs) + path.sep + 'a');
  assert.deepEqual(fs.readdirSync(runs), ['b']);
  assert.ok(fs.existsSync(path.join(root, 'keep.txt')));
  // By id (relative to the runs folder) works too.
  deleteRun(runs, 'b');
  assert.deepEqual(fs.readdirSync(runs), []);
});

test('delete refuses paths outside the runs folder, symlinks, non-runs and live runs', () => {
  const root = tempDir('del');
  const runs = path.join(root, 'runs');
  writeRun(runs, 'ok', { manifest: manifest('ok', 'mezo', 2) });
  const outside = writeRun(root, 'outside', { manifest: manifest('outside', 'mezo', 2) });
  const nested = writeRun(path.join(runs, 'ok'), 'nested', { manifest: manifest('nested', 'mezo', 2) });
  fs.symlinkSync(outside, path.join(runs, 'link'));
  fs.mkdirSync(path.join(runs, 'not-a-run'));
  writeRun(runs, 'live', { manifest: manifest('live', 'mezo', 2), status: status('running', 1, 10), lockPid: process.pid });
  writeRun(runs, 'dead', { manifest: manifest('dead', 'mezo', 2), status: status('running', 1, 10), lockPid: DEAD_PID });
  const refused = (p: string, re: RegExp) => assert.throws(() => deleteRun(runs, p), (e: unknown) => e instanceof DeleteRefused && re.test((e as Error).message));
  refused(outside, /not a run folder directly inside/);
  refused('../outside', /not a run folder directly inside/);
  refused(nested, /not a run folder directly inside/);
  refused(runs, /not a run folder directly inside/);
  refused('link', /symbolic link/);
  refused('not-a-run', /no run\.json/);
  refused('missing', /does not exist/);
  refused('live', /still running/);
  assert.ok(fs.existsSync(outside) && fs.existsSync(nested) && fs.existsSync(path.join(runs, 'live')));
  // An interrupted run (dead owner) may go.
  assert.doesNotThrow(() => checkDeletable(runs, 'dead'));
  deleteRun(runs, 'dead');
  assert.ok(!fs.existsSync(path.join(runs, 'dead')));
});
