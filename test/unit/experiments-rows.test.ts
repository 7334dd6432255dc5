/**
 * Experiments rows from run folders (runtime/runs/experiment-*.ts): the digest agrees with the
 * records, the cache spares unchanged folders, a growing metrics file is read from where it
 * stopped, targets and speedups follow the record lows, and only differing parameters are columns.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import type { EvalRecord, StepRecord } from '../../runtime/protocol';
import { readAllMetricRecords } from '../../runtime/run/metrics-lines';
import { trainingPassesAt } from '../../runtime/run/compare';
import { buildExperimentsModel, DEFAULT_VIEW_STATE } from '../../runtime/runs/experiment-rows';
import { RunFolderSource } from '../../runtime/runs/experiment-source';
import { writeExperimentRuns } from '../../scripts/experiment-runs-fixture';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-exp-rows-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('a row carries final / best / min / max of each metric as the records say', () => {
  const runsDir = path.join(tmp, 'a');
  const [run] = writeExperimentRuns(runsDir, { count: 1, steps: 120 });
  const [entry] = new RunFolderSource(runsDir).entries();
  const records = readAllMetricRecords(path.join(runsDir, run.id, 'metrics.jsonl'));
  const steps = records.filter((r): r is StepRecord => r.kind === 'step');
  const evals = records.filter((r): r is EvalRecord => r.kind === 'eval');
  const train = steps.map((s) => s.loss);
  const evalLoss = evals.map((e) => e.loss);
  assert.equal(entry.row.metrics.trainLoss?.final, train.at(-1));
  assert.equal(entry.row.metrics.trainLoss?.min, Math.min(...train));
  assert.equal(entry.row.metrics.trainLoss?.max, Math.max(...train));
  assert.equal(entry.row.metrics.evalLoss?.best, Math.min(...evalLoss));
  assert.equal(entry.row.metrics.evalLoss?.bestStep, evals[evalLoss.indexOf(Math.min(...evalLoss))].t);
  assert.equal(entry.row.metrics.evalAccuracy?.best, Math.max(...evals.map((e) => e.accuracy!)));
  assert.equal(entry.row.trainingPasses, trainingPassesAt(records, 120));
  assert.equal(entry.row.step, 120);
  assert.equal(entry.row.status, 'finished');
  assert.equal(entry.row.params['optimizer.lr'], run.lr);
  assert.equal(entry.row.params.name, undefined, 'the run name is not a parameter');
});

test('the cache: unchanged folders are not re-read, a new session reads the cache file, a grown metrics file only its new bytes', () => {
  const runsDir = path.join(tmp, 'b');
  const runs = writeExperimentRuns(runsDir, { count: 6, steps: 80 });
  const cacheFile = path.join(tmp, 'cache-b.json');
  const s1 = new RunFolderSource(runsDir, { cacheFile });
  const first = s1.entries();
  assert.equal(s1.lastRead.metricsRead, 6);
  s1.flush();
  const s2 = new RunFolderSource(runsDir, { cacheFile });
  assert.deepEqual(s2.entries(), first);
  assert.deepEqual(s2.lastRead, { folders: 6, fromCache: 6, metricsRead: 0, metricsBytes: 0 });
  // A live run appends one step (and a half-written line that must wait).
  const file = path.join(runsDir, runs[2].id, 'metrics.jsonl');
  const before = fs.statSync(file).size;
  const line = JSON.stringify({ kind: 'step', t: 81, loss: 0.01, lr: 1e-3, forwardPasses: 999999, examples: 1, wallMs: 1e6, timing: {}, examplesPerSec: 1 }) + '\n';
  fs.appendFileSync(file, line + '{"kind":"step","t":82,');
  const changed = s2.refresh([runs[2].id]).get(runs[2].id)!;
  assert.equal(s2.lastRead.metricsBytes, Buffer.byteLength(line));
  assert.equal(changed.row.metrics.trainLoss?.final, 0.01);
  assert.equal(changed.row.metrics.trainLoss?.min, 0.01);
  assert.equal(changed.row.step, 81);
  assert.ok(fs.statSync(file).size > before);
  // A deleted folder drops out.
  fs.rmSync(path.join(runsDir, runs[0].id), { recursive: true });
  assert.equal(s2.entries().length, 5);
});

test('a folder that is not a readable run is a row with the reason, not an exception', () => {
  const runsDir = path.join(tmp, 'c');
  fs.mkdirSync(path.join(runsDir, 'broken'), { recursive: true });
  fs.writeFileSync(path.join(runsDir, 'broken', 'run.json'), '{ nope');
  const [e] = new RunFolderSource(runsDir).entries();
  assert.equal(e.row.status, 'unreadable');
  assert.match(e.row.warning ?? '', /run\.json is not valid JSON/);
});

test('target and baseline: passes and time to the target from the record lows; speedup = baseline / run', () => {
  const runsDir = path.join(tmp, 'd');
  writeExperimentRuns(runsDir, { count: 8, steps: 200 });
  const entries = new RunFolderSource(runsDir).entries();
  const baselineId = entries[1].row.id; // mezo lr 3e-4
  const model = buildExperimentsModel(entries, { ...DEFAULT_VIEW_STATE, target: { kind: 'value', metric: 'evalLoss', value: 1.0 }, baselineId }, [runsDir]);
  for (const row of model.rows) {
    const records = readAllMetricRecords(path.join(runsDir, row.id, 'metrics.jsonl'));
    const hit = records.find((r): r is EvalRecord => r.kind === 'eval' && r.loss <= 1.0);
    assert.equal(row.hit?.step ?? null, hit?.t ?? null, row.id);
    if (hit) assert.equal(row.hit!.wallSeconds, hit.wallMs / 1000);
  }
  const base = model.rows[1].hit!;
  const fast = model.rows.find((r) => r.hit && r.id !== baselineId)!;
  assert.ok(fast.speedup);
  assert.equal(fast.speedup!.passes, base.trainingPasses / fast.hit!.trainingPasses);
  // Baseline-relative target: the baseline's best eval loss; the baseline reaches it at speedup 1.
  const rel = buildExperimentsModel(entries, { ...DEFAULT_VIEW_STATE, target: { kind: 'baseline-best', metric: 'evalLoss' }, baselineId }, [runsDir]);
  assert.equal(rel.targetValue, entries[1].row.metrics.evalLoss!.best);
  assert.deepEqual(rel.rows[1].speedup, { passes: 1, wall: 1 });
});

test('only the parameters that differ are row params; the rest are shared once', () => {
  const runsDir = path.join(tmp, 'e');
  writeExperimentRuns(runsDir, { count: 8, steps: 20 }); // 4 optimizers × 2 lrs, one seed
  const model = buildExperimentsModel(new RunFolderSource(runsDir).entries(), DEFAULT_VIEW_STATE, [runsDir]);
  assert.ok(model.differingParams.includes('optimizer.name'));
  assert.ok(model.differingParams.includes('optimizer.lr'));
  assert.ok(!model.differingParams.includes('seed'), 'one seed: not a differing parameter');
  assert.equal(model.sharedParams.seed, 1);
  assert.deepEqual(Object.keys(model.rows[0].params).sort(), model.differingParams.filter((k) => k in model.rows[0].params).sort());
  assert.ok(model.allParams.length > model.differingParams.length + 10);
});
