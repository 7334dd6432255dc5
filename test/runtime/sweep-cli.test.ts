/**
 * A real sweep through the built CLI (dist/cli.js) on the scaffolded demo workspace: 6 runs
 * (3 learning rates x 2 optimizers), 2 at a time, each a child `train` process. Checks the run
 * folders, the .sweeps record, the printed table's order and the CSV; then a sweep stopped with
 * SIGINT (cancelled + stopped entries, exit 130) and a grid typo refused before anything runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SweepRecord } from '../../runtime/protocol';
import { readRunFolderSync } from '../../runtime/run/run-reader';
import { tempDir } from './helpers';

const CLI = path.resolve(__dirname, '../../dist/cli.js');

function scaffold(): string {
  const dir = path.join(tempDir('sweep'), 'ws');
  const r = spawnSync(process.execPath, [CLI, 'scaffold', dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return dir;
}

test('a 6-run sweep (--parallel 2) leaves 6 valid run folders, a finished sweep record, a sorted table and its CSV', (t) => {
  const ws = scaffold();
  const config = path.join(ws, 'helene.helene.json');
  const runs = path.join(ws, 'runs');
  const started = Date.now();
  const r = spawnSync(
    process.execPath,
    [CLI, 'sweep', '--config', config, '--grid', 'optimizer.lr=1e-3,3e-3,1e-2; optimizer.name=mezo,helene', '--parallel', '2', '--steps', '150', '--set', 'evalEvery=50', '--sweep-id', 'grid', '--provider', 'cpu'],
    { encoding: 'utf8', timeout: 120_000 },
  );
  const seconds = (Date.now() - started) / 1000;
  t.diagnostic(`6-run CLI sweep: ${seconds.toFixed(1)} s wall`);
  assert.equal(r.status, 0, r.stdout + r.stderr);

  // Six run folders, each a finished run with the grid values in its resolved config.
  const ids = ['grid-01', 'grid-02', 'grid-03', 'grid-04', 'grid-05', 'grid-06'];
  assert.deepEqual(fs.readdirSync(runs).filter((n) => !n.startsWith('.')).sort(), ids);
  const expected = [[0.001, 'mezo'], [0.001, 'helene'], [0.003, 'mezo'], [0.003, 'helene'], [0.01, 'mezo'], [0.01, 'helene']];
  ids.forEach((id, i) => {
    const snap = readRunFolderSync(path.join(runs, id));
    assert.ok(snap.manifest && snap.summary, `${id}: run.json and summary.json`);
    assert.equal(snap.status?.state, 'finished', id);
    assert.equal(snap.summary.steps, 150, id);
    assert.equal(snap.manifest.id, id);
    assert.deepEqual([snap.manifest.config.optimizer.lr, snap.manifest.config.optimizer.name], expected[i], id);
    assert.equal(snap.manifest.config.engine.provider, 'cpu', `${id}: the sweep's own overrides reach every run`);
    assert.equal(snap.manifest.name, `demo-helene lr=${expected[i][0]} name=${expected[i][1]}`);
  });

  // The sweep record: finished, every entry finished, the plan as given.
  const record = JSON.parse(fs.readFileSync(path.join(runs, '.sweeps', 'grid.json'), 'utf8')) as SweepRecord;
  assert.equal(record.state, 'finished');
  assert.equal(record.parallel, 2);
  assert.equal(record.runsDir, runs);
  assert.deepEqual(record.entries.map((e) => e.state), Array(6).fill('finished'));
  assert.deepEqual(record.entries.map((e) => e.runId), ids);
  assert.deepEqual(record.axes, [{ key: 'optimizer.lr', values: [0.001, 0.003, 0.01] }, { key: 'optimizer.name', values: ['mezo', 'helene'] }]);

  // Two at a time: run 3 started only after one of runs 1 and 2 had ended.
  const ended12 = Math.min(...record.entries.slice(0, 2).map((e) => Date.parse(e.endedAt!)));
  assert.ok(Date.parse(record.entries[2].startedAt!) >= ended12, 'the third run waited for a free slot');
  const startLines = r.stdout.split('\n').filter((l) => / running$/.test(l));
  assert.equal(startLines.length, 6);
  assert.match(startLines[0], /grid-01 lr=0\.001 name=mezo: running/);
  assert.match(startLines[1], /grid-02 lr=0\.001 name=helene: running/);

  // The CSV: sorted by best eval loss ascending, and it matches each run folder's eval records.
  const csv = fs.readFileSync(path.join(runs, '.sweeps', 'grid.csv'), 'utf8').trimEnd().split('\r\n');
  assert.equal(csv[0], 'rank,run_id,label,optimizer.lr,optimizer.name,state,steps,training_passes,eval_passes,final_eval_loss,best_eval_loss,best_accuracy,final_train_loss');
  assert.equal(csv.length, 7);
  const rows = csv.slice(1).map((l) => l.split(','));
  const best = rows.map((c) => Number(c[10]));
  assert.deepEqual(best, [...best].sort((a, b) => a - b), 'sorted by best eval loss');
  assert.deepEqual(rows.map((c) => c[0]), ['1', '2', '3', '4', '5', '6']);
  assert.deepEqual(rows.map((c) => c[1]).sort(), ids);
  for (const c of rows) {
    const snap = readRunFolderSync(path.join(runs, c[1]));
    const evals = snap.records.filter((x) => x.kind === 'eval').map((x) => (x as { loss: number }).loss);
    assert.equal(Number(c[10]), Math.min(...evals), `${c[1]} best eval loss`);
    assert.equal(Number(c[9]), evals[evals.length - 1], `${c[1]} final eval loss`);
    assert.equal(Number(c[7]), snap.summary!.trainingPasses, `${c[1]} training passes`);
    assert.equal(Number(c[8]), snap.summary!.evalPasses, `${c[1]} evaluation passes`);
    assert.equal(c[5], 'finished');
    assert.ok(Number(c[11]) > 0 && Number(c[11]) <= 1, 'accuracy');
  }
  // The printed table has the same order.
  const printed = r.stdout.split('\n').filter((l) => /^\d+\s+grid-\d\d\s/.test(l)).map((l) => l.split(/\s+/)[1]);
  assert.deepEqual(printed, rows.map((c) => c[1]));
  assert.match(r.stdout, /sweep done: 6 runs finished/);
});

test('SIGINT stops the sweep: running runs stop cleanly (valid folders), queued runs are cancelled, exit 130', async () => {
  const ws = scaffold();
  const runs = path.join(ws, 'runs');
  const child = spawn(process.execPath, [CLI, 'sweep', '--config', path.join(ws, 'mezo.helene.json'), '--grid', 'seed=1,2,3,4', '--steps', '1000000', '--parallel', '2', '--sweep-id', 'stop'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (s: string) => (out += s));
  child.stderr.on('data', () => undefined);
  // Wait until both running runs have taken steps.
  const deadline = Date.now() + 60_000;
  const stepOf = (id: string) => {
    try {
      return (JSON.parse(fs.readFileSync(path.join(runs, id, 'status.json'), 'utf8')) as { step: number }).step;
    } catch {
      return 0;
    }
  };
  while (!(stepOf('stop-01') > 0 && stepOf('stop-02') > 0)) {
    assert.ok(Date.now() < deadline, 'runs did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  assert.equal(code, 130, out);
  const record = JSON.parse(fs.readFileSync(path.join(runs, '.sweeps', 'stop.json'), 'utf8')) as SweepRecord;
  assert.equal(record.state, 'stopped');
  assert.deepEqual(record.entries.map((e) => e.state), ['stopped', 'stopped', 'cancelled', 'cancelled']);
  for (const id of ['stop-01', 'stop-02']) {
    const snap = readRunFolderSync(path.join(runs, id));
    assert.equal(snap.status?.state, 'stopped', id);
    assert.ok(snap.summary && snap.summary.steps > 0 && snap.summary.steps < 1_000_000, `${id} has a summary`);
  }
  assert.ok(!fs.existsSync(path.join(runs, 'stop-03')), 'cancelled runs never started');
  assert.match(out, /sweep stopped: 0 finished, 2 stopped, 2 cancelled/);
});

test('a typo in a grid key is refused before anything runs, with the closest key', () => {
  const ws = scaffold();
  const r = spawnSync(process.execPath, [CLI, 'sweep', '--config', path.join(ws, 'mezo.helene.json'), '--grid', 'optimizer.lrr=1e-3,3e-3', '--steps', '10'], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /grid axis optimizer\.lrr = 0\.001: optimizer\.lrr: unknown key \(did you mean "optimizer\.lr"\?\)/);
  assert.ok(!fs.existsSync(path.join(ws, 'runs')), 'no run folder, no sweep file');
  const help = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
  assert.match(help.stdout, /helene-studio sweep --config <run\.json> --grid/);
});
