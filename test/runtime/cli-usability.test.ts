/**
 * A new user's findings through the real CLI (dist/cli.js) on real run folders: compare, the
 * one-line unknown command, a batch larger than the data, a data folder given as a file, bad values
 * blamed on the command line, resume's messages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { demoWorkspace, tempDir } from './helpers';
import { loadCompareRuns } from '../../runtime/runs/compare-load';
import { buildCompareViewModel } from '../../runtime/runs/compare-model';
import { summaryCsv } from '../../runtime/runs/compare-export';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

/** Two finished demo runs (MeZO and HELENE, 40 steps, eval every 20), made once. */
let runs: { dir: string; mezo: string; helene: string } | undefined;
function twoRuns() {
  if (runs) return runs;
  const dir = tempDir('compare-runs');
  for (const [opt, id] of [['mezo', 'm'], ['helene', 'h']] as const) {
    const r = cli(['train', '--config', demoWorkspace().configs[opt], '--steps', '40', '--set', 'evalEvery=20', '--runs-dir', dir, '--run-id', id, '--quiet']);
    assert.equal(r.status, 0, r.stderr);
  }
  runs = { dir, mezo: path.join(dir, 'm'), helene: path.join(dir, 'h') };
  return runs;
}

test('an unknown command prints one line pointing at --help, not the whole help', () => {
  const r = cli(['compar', 'runs/a']);
  assert.equal(r.status, 2);
  assert.equal(r.stderr, 'error: unknown command "compar"; see helene-studio --help\n');
  assert.equal(r.stdout, '');
});

test('compare prints the compare page model as a table and the config diff; --csv writes its summary', () => {
  const { mezo, helene, dir } = twoRuns();
  const csv = path.join(tempDir('compare-csv'), 'summary.csv');
  const r = cli(['compare', helene, mezo, '--csv', csv]);
  assert.equal(r.status, 0, r.stderr);
  // The same model the VS Code page builds: MeZO is the default baseline, the target its final eval loss.
  const loaded = loadCompareRuns([helene, mezo]);
  const model = buildCompareViewModel(loaded.runs, {});
  assert.equal(model.baselineId, 'm');
  assert.match(r.stdout, new RegExp(`target eval loss ${model.targetLoss!.toFixed(4)} \\(the baseline's final eval loss\\)`));
  const lines = r.stdout.split('\n');
  const row = (id: string) => lines.find((l) => l.startsWith(id + ' ') || l.startsWith(`${id} (baseline)`))!;
  assert.match(row("m"), /^m \(baseline\)\s+mezo\s+0\.002\s/);
  for (const s of model.summary) {
    const line = row(s.id);
    assert.ok(line, `row for ${s.id} in\n${r.stdout}`);
    assert.match(line, new RegExp(`\\s${s.steps}\\s+${s.trainingPasses}\\s+${s.finalEvalLoss!.value.toFixed(4)}\\s+${s.bestEvalLoss!.value.toFixed(4)}\\s`));
  }
  assert.match(r.stdout, /config differences:\n/);
  assert.match(r.stdout, /\noptimizer\.name\s+helene\s+mezo\n/);
  assert.equal(fs.readFileSync(csv, 'utf8'), summaryCsv(model));
  assert.ok(fs.existsSync(dir));
});

test('compare --baseline and --target tail-N change the model as the page does; bad values are one line', () => {
  const { mezo, helene } = twoRuns();
  const r = cli(['compare', mezo, helene, '--baseline', 'h', '--target', 'tail-2']);
  assert.equal(r.status, 0, r.stderr);
  const model = buildCompareViewModel(loadCompareRuns([mezo, helene]).runs, { baselineId: 'h', target: { kind: 'tail', evals: 2 } });
  assert.match(r.stdout, new RegExp(`target eval loss ${model.targetLoss!.toFixed(4)} \\(the mean of the baseline's last 2 eval losses\\)`));
  assert.match(r.stdout, /\nh \(baseline\)\s/);
  const badTarget = cli(['compare', mezo, '--target', 'tail-0']);
  assert.equal(badTarget.status, 1);
  assert.match(badTarget.stderr, /^error: --target tail-0: expected final, tail-N/);
  const badBase = cli(['compare', mezo, helene, '--baseline', 'zz']);
  assert.equal(badBase.status, 1);
  assert.match(badBase.stderr, /^error: --baseline zz: no compared run has that id; the runs are m, h\n$/);
  const none = cli(['compare', tempDir('not-a-run')]);
  assert.equal(none.status, 1);
  assert.match(none.stderr, /^error: nothing to compare: .*not-a-run.*: not a run folder: no run\.json\n$/);
});

test('resume of a finished run says so at once and exits 0 without training', () => {
  const { mezo } = twoRuns();
  const before = fs.readFileSync(path.join(mezo, 'metrics.jsonl'));
  const r = cli(['resume', mezo]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `${mezo} already finished at step 40 of 40: nothing to resume (--from-step <n> trains again from a kept checkpoint)\n`);
  assert.deepEqual(fs.readFileSync(path.join(mezo, 'metrics.jsonl')), before);
});

test('resume --lr=-1 names the key and the value, not the raw override list', () => {
  const { mezo } = twoRuns();
  const r = cli(['resume', mezo, '--lr=-1']);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, 'error: resume: optimizer.lr -1 is refused: optimizer.lr must be > 0\n');
});

test('a batch size larger than the training set is refused before a run folder exists; equal is accepted', () => {
  const ws = demoWorkspace();
  const examples = fs.readFileSync(ws.train, 'utf8').split('\n').filter((l) => l.trim()).length;
  const runsDir = tempDir('big-batch');
  const r = cli(['train', '--config', ws.configs.mezo, '--set', `data.batchSize=${examples + 1}`, '--runs-dir', runsDir, '--quiet']);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, `error: data.batchSize is ${examples + 1}, larger than the ${examples} training examples in ${ws.train}: each step would repeat examples within its batch. Set data.batchSize to at most ${examples}.\n`);
  assert.deepEqual(fs.readdirSync(runsDir), []);
  const ok = cli(['train', '--config', ws.configs.mezo, '--set', `data.batchSize=${examples}`, '--steps', '1', '--set', 'evalEvery=0', '--runs-dir', runsDir, '--quiet']);
  assert.equal(ok.status, 0, ok.stderr);
});

test('data.train naming a folder gets one message, not EISDIR', () => {
  const ws = demoWorkspace();
  const folder = tempDir('data-folder');
  const r = cli(['train', '--config', ws.configs.mezo, '--set', `data.train=${JSON.stringify(folder)}`, '--runs-dir', tempDir('data-folder-runs')]);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, `error: data.train is ${folder}, a folder; it must be a JSON-lines file (one example per line)\n`);
});

test('a bad value from a flag is blamed on the command line, not on the config file', () => {
  const ws = demoWorkspace();
  const r = cli(['train', '--config', ws.configs.mezo, '--steps', 'ten']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^error: command line: invalid run configuration:\n {2}- steps: expected a number, got the string "ten" .*\(from --steps ten on the command line\)\n$/);
  assert.doesNotMatch(r.stderr, new RegExp(path.basename(ws.configs.mezo).replace(/\./g, '\\.')));
});
