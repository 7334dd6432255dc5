/** The sweep table from run folders alone: values per row, sorting with missing metrics, CSV, the terminal table. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SweepRecord } from '../../runtime/protocol';
import { formatSweepTable, parseSweepSort, readSweepRows, readSweepTable, sortSweepRows, sweepTableCsv, type SweepRow } from '../../runtime/runs/sweep-table';
import { makeRecords, manifest, status, tempDir, writeRun } from './runs-fixtures';

const AXES = [{ key: 'optimizer.lr', values: [0.001, 0.01] }, { key: 'optimizer.name', values: ['mezo', 'helene'] }];

function record(runsDir: string, states: SweepRecord['entries'][number]['state'][]): SweepRecord {
  const combos = [[0.001, 'mezo'], [0.001, 'helene'], [0.01, 'mezo'], [0.01, 'helene']] as const;
  return {
    format: 'helene-sweep', version: 1, id: 'sw', createdAt: '2025-01-01T00:00:00.000Z', updatedAt: '2025-01-01T00:00:00.000Z', state: 'finished', pid: 1,
    config: '/ws/base.json', overrides: [], grid: 'optimizer.lr=1e-3,1e-2; optimizer.name=mezo,helene', axes: AXES, parallel: 2, sort: 'bestEvalLoss', runsDir,
    entries: states.map((state, i) => ({
      index: i, runId: `sw-0${i + 1}`, label: `lr=${combos[i][0]} name=${combos[i][1]}`, values: { 'optimizer.lr': combos[i][0], 'optimizer.name': combos[i][1] }, state,
    })),
  };
}

/** Four runs: 01 and 03 with eval + accuracy, 02 failed before any eval, 04 never started. 01 best loss 1.2 at t=64 (ends 1.3), 03 best 0.9. */
function fixture() {
  const runs = tempDir('sweept');
  writeRun(runs, 'sw-01', {
    manifest: manifest('sw-01', 'mezo', 2), status: status('finished', 128, 128),
    records: makeRecords({ steps: 128, passesPerStep: 2, evalEvery: 64, evalPasses: 4, evalLoss: (t) => (t === 0 ? 2 : t === 64 ? 1.2 : 1.3), trainLoss: () => 1.5, accuracy: (t) => (t === 64 ? 0.6 : 0.4) }),
  });
  writeRun(runs, 'sw-02', { manifest: manifest('sw-02', 'helene', 3), status: { ...status('failed', 5, 128), error: 'loss NaN' }, records: makeRecords({ steps: 5, passesPerStep: 3, evalEvery: 1000, evalPasses: 4, evalLoss: () => NaN, trainLoss: () => 2.5 }).filter((r) => r.kind !== 'eval') });
  writeRun(runs, 'sw-03', {
    manifest: manifest('sw-03', 'mezo', 2), status: status('finished', 128, 128),
    records: makeRecords({ steps: 128, passesPerStep: 2, evalEvery: 64, evalPasses: 4, evalLoss: (t) => (t === 0 ? 2 : 0.9), trainLoss: () => 1.0, accuracy: () => 0.5 }),
  });
  return { runs, rec: record(runs, ['finished', 'failed', 'finished', 'cancelled']) };
}

test('rows come from the run folders: steps, training and evaluation passes apart, final/best eval loss, best accuracy, final train loss', () => {
  const { rec } = fixture();
  const rows = readSweepRows(rec);
  const r1 = rows[0];
  assert.deepEqual(
    { steps: r1.steps, training: r1.trainingPasses, evalPasses: r1.evalPasses, finalEval: r1.finalEvalLoss, bestEval: r1.bestEvalLoss, acc: r1.accuracy, train: r1.finalTrainLoss, state: r1.state, values: r1.values, total: r1.totalSteps },
    // 128 steps x 2 passes; 3 evals x 4 passes
    { steps: 128, training: 256, evalPasses: 12, finalEval: 1.3, bestEval: 1.2, acc: 0.6, train: 1.5, state: 'finished', values: { 'optimizer.lr': 0.001, 'optimizer.name': 'mezo' }, total: 128 },
  );
  assert.deepEqual([rows[1].steps, rows[1].bestEvalLoss, rows[1].accuracy, rows[1].finalTrainLoss, rows[1].state], [5, null, null, 2.5, 'failed']);
  assert.deepEqual([rows[3].steps, rows[3].bestEvalLoss, rows[3].state], [0, null, 'cancelled']);
  assert.ok(rows[2].runDir.endsWith('sw-03'));
});

test('sorting: losses ascending, accuracy descending, runs without the metric last in grid order', () => {
  const { rec } = fixture();
  assert.deepEqual(readSweepTable(rec).map((r) => r.runId), ['sw-03', 'sw-01', 'sw-02', 'sw-04']);
  assert.deepEqual(readSweepTable(rec, 'accuracy').map((r) => r.runId), ['sw-01', 'sw-03', 'sw-02', 'sw-04']);
  assert.deepEqual(readSweepTable(rec, 'finalTrainLoss').map((r) => r.runId), ['sw-03', 'sw-01', 'sw-02', 'sw-04']);
  assert.deepEqual(readSweepTable(rec, 'finalEvalLoss').map((r) => r.runId), ['sw-03', 'sw-01', 'sw-02', 'sw-04']);
  // Ties keep grid order; NaN counts as missing.
  const row = (index: number, bestEvalLoss: number | null): SweepRow => ({
    index, runId: `r${index}`, label: '', values: {}, state: 'finished', steps: 0, totalSteps: null, trainingPasses: 0, evalPasses: 0, finalEvalLoss: null, bestEvalLoss, accuracy: null, finalTrainLoss: null, runDir: '',
  });
  assert.deepEqual(sortSweepRows([row(0, null), row(1, 2), row(2, NaN), row(3, 1), row(4, 2)], 'bestEvalLoss').map((r) => r.index), [3, 1, 4, 0, 2]);
});

test('sort metric names and aliases; a bad one is refused', () => {
  assert.equal(parseSweepSort(undefined), 'bestEvalLoss');
  assert.equal(parseSweepSort('accuracy'), 'accuracy');
  assert.equal(parseSweepSort('acc'), 'accuracy');
  assert.equal(parseSweepSort('train-loss'), 'finalTrainLoss');
  assert.throws(() => parseSweepSort('speed'), /--sort must be one of bestEvalLoss, finalEvalLoss, accuracy, finalTrainLoss/);
});

test('CSV: header with one column per axis, rows in table order with rank, empty cells for missing metrics', () => {
  const { rec } = fixture();
  const csv = sweepTableCsv(readSweepTable(rec), rec.axes);
  const lines = csv.split('\r\n');
  assert.equal(lines[0], 'rank,run_id,label,optimizer.lr,optimizer.name,state,steps,training_passes,eval_passes,final_eval_loss,best_eval_loss,best_accuracy,final_train_loss');
  assert.equal(lines[1], '1,sw-03,lr=0.01 name=mezo,0.01,mezo,finished,128,256,12,0.9,0.9,0.5,1');
  assert.equal(lines[2], '2,sw-01,lr=0.001 name=mezo,0.001,mezo,finished,128,256,12,1.3,1.2,0.6,1.5');
  // 5 steps x 3 passes + the t=0 eval's 4: its record was dropped and the folder has no summary, so
  // nothing tells its passes apart; they stay counted (as training, the only place left).
  assert.equal(lines[3], '3,sw-02,lr=0.001 name=helene,0.001,helene,failed,5,19,0,,,,2.5');
  assert.equal(lines[4], '4,sw-04,lr=0.01 name=helene,0.01,helene,cancelled,0,0,0,,,,');
  assert.equal(lines.length, 6);
  assert.equal(lines[5], '');
});

test('the terminal table names the order and shows missing values as dashes', () => {
  const { rec } = fixture();
  const text = formatSweepTable(readSweepTable(rec, 'accuracy'), 'accuracy');
  const lines = text.trimEnd().split('\n');
  assert.equal(lines[0], 'sorted by best accuracy (highest first)');
  assert.match(lines[2], /^1\s+sw-01\s+lr=0\.001 name=mezo\s+finished\s+128\s+256\s+12\s+1\.3000\s+1\.2000\s+60\.0%\s+1\.5000$/);
  assert.match(lines[5], /^4\s+sw-04 .*cancelled\s+0\s+0\s+0\s+—\s+—\s+—\s+—$/);
});
