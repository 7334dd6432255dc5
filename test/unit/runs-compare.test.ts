/**
 * Steps-to-target and speedups on constructed runs with known answers. Curves are dyadic so every
 * loss and every tail mean is exact in floating point:
 *   baseline (MeZO, 2 passes/step): eval loss 2 - t/1024, evals every 64 steps up to 1024 → final 1.0
 *   fast (HELENE, 2 passes/step):   eval loss max(2 - t/256, 0.5) → reaches 1.0 at t = 256
 *   hizoo (3 passes/step):          the same curve as fast, 1.5x the passes per step
 * Every evaluation costs 5 forward passes, which the cumulative counts include and speedups must not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeRecords } from './runs-fixtures';
import {
  firstEvalReaching,
  speedupAgainst,
  speedupToBaselineFinal,
  targetLoss,
  trainingPassesAt,
} from '../../runtime/run/compare';
import { buildCompareViewModel, buildSummaryRows, defaultBaseline } from '../../runtime/runs/compare-model';
import { optimizerLabel } from '../../runtime/protocol';
import { summarizeRecords } from '../../runtime/runs/summary';
import { decimate, extractCurves } from '../../runtime/runs/decimate';
import { ema, tailMean } from '../../runtime/runs/smoothing';
import { curvesCsv } from '../../runtime/runs/compare-export';
import { accountedPoints } from '../../runtime/run/accounting';
import { savedXAxis, xOf, xTitleOf } from '../../webview/compare/overlay-charts';
import type { MetricRecord, RunViewSnapshot } from '../../runtime/protocol';
import { manifest } from './runs-fixtures';

const common = { steps: 1024, evalEvery: 64, evalPasses: 5 };
const baseline = makeRecords({ ...common, passesPerStep: 2, evalLoss: (t) => 2 - t / 1024 });
const fast = makeRecords({ ...common, passesPerStep: 2, evalLoss: (t) => Math.max(2 - t / 256, 0.5) });
const hizoo = makeRecords({ ...common, passesPerStep: 3, evalLoss: (t) => Math.max(2 - t / 256, 0.5) });
const never = makeRecords({ ...common, passesPerStep: 2, evalLoss: () => 1.5 });

test('training passes exclude evaluation passes', () => {
  // 1024 steps x 2 passes; 17 evaluations x 5 passes are in the cumulative count but not here.
  assert.equal(trainingPassesAt(baseline, 1024), 2048);
  assert.equal(trainingPassesAt(baseline, 256), 512);
  assert.equal(trainingPassesAt(hizoo, 256), 768);
  assert.equal(trainingPassesAt(baseline, 0), 0);
  const last = baseline[baseline.length - 1] as MetricRecord & { forwardPasses: number };
  assert.equal(last.forwardPasses, 2048 + 17 * 5);
});

test('target: final eval loss, tail mean, fixed value', () => {
  assert.equal(targetLoss(baseline, { kind: 'final' }), 1.0);
  // last three evals at 896, 960, 1024: 1.125, 1.0625, 1.0 → mean 1.0625 exactly
  assert.equal(targetLoss(baseline, { kind: 'tail', evals: 3 }), 1.0625);
  assert.equal(targetLoss(baseline, { kind: 'value', loss: 1.25 }), 1.25);
  assert.equal(targetLoss([], { kind: 'final' }), null);
});

test('speedup against the final eval loss: 4x in steps and in training passes', () => {
  const s = speedupToBaselineFinal(baseline, fast)!;
  assert.equal(s.target, 1.0);
  assert.equal(s.baseline.t, 1024);
  assert.equal(s.candidate!.t, 256);
  assert.equal(s.baseline.trainingPasses, 2048);
  assert.equal(s.candidate!.trainingPasses, 512);
  assert.equal(s.stepRatio, 4);
  assert.equal(s.passRatio, 4);
});

test("HiZOO's 3 passes per step: same steps, 2/3 of the pass speedup", () => {
  const s = speedupAgainst(baseline, hizoo, { kind: 'final' })!;
  assert.equal(s.stepRatio, 4);
  assert.equal(s.candidate!.trainingPasses, 768);
  assert.equal(s.passRatio, 2048 / 768);
  assert.ok(Math.abs(s.passRatio! - 8 / 3) < 1e-12);
});

test('smoothed-tail target: the baseline reaches it before its end', () => {
  const s = speedupAgainst(baseline, fast, { kind: 'tail', evals: 3 })!;
  assert.equal(s.target, 1.0625);
  assert.equal(s.baseline.t, 960);
  // 2 - t/256 <= 1.0625 from t = 240; the first eval at or after it is t = 256
  assert.equal(s.candidate!.t, 256);
  assert.equal(s.stepRatio, 960 / 256);
});

test('a run that never reaches the target has no hit and no ratio', () => {
  const s = speedupAgainst(baseline, never)!;
  assert.equal(s.candidate, null);
  assert.equal(s.stepRatio, null);
  assert.equal(s.passRatio, null);
  assert.equal(firstEvalReaching(never, 1.0), null);
});

test('summary: final and best values, training passes, wall time', () => {
  // A curve that dips and comes back: best is not final.
  const bump = makeRecords({ ...common, steps: 256, passesPerStep: 2, evalLoss: (t) => 1 + Math.abs(t - 128) / 128, accuracy: (t) => (t === 192 ? 0.75 : 0.5), msPerStep: 2 });
  const s = summarizeRecords(bump);
  assert.equal(s.steps, 256);
  assert.equal(s.trainingPasses, 512);
  assert.equal(s.totalPasses, 512 + 5 * 5);
  assert.equal(s.wallSeconds, 0.512);
  assert.deepEqual(s.finalEvalLoss, { t: 256, value: 2 });
  assert.deepEqual(s.bestEvalLoss, { t: 128, value: 1 });
  assert.deepEqual(s.bestEvalMetric, { t: 192, value: 0.75 });
  assert.deepEqual(s.finalEvalMetric, { t: 256, value: 0.5 });
  assert.equal(s.finalTrainLoss, 2);
  assert.equal(s.evalCount, 5);
});

function snap(id: string, optimizer: string, pps: number, records: MetricRecord[]): { id: string; snapshot: RunViewSnapshot } {
  return { id, snapshot: { manifest: manifest(id, optimizer, pps), status: null, records, summary: null } };
}

test('summary rows: the baseline row is 1x, others are baseline/candidate', () => {
  const runs = [snap('fast', 'helene', 2, fast), snap('base', 'mezo', 2, baseline), snap('hizoo', 'hizoo', 3, hizoo), snap('never', 'zo-adam', 2, never)];
  assert.equal(defaultBaseline(runs), 'base', 'MeZO is the default baseline');
  const { rows, targetLoss: loss } = buildSummaryRows(runs, 'base', { kind: 'final' });
  assert.equal(loss, 1.0);
  const by = Object.fromEntries(rows.map((r) => [r.id, r]));
  assert.equal(by.base.isBaseline, true);
  assert.equal(by.base.stepSpeedup, 1);
  assert.equal(by.fast.stepSpeedup, 4);
  assert.equal(by.fast.passSpeedup, 4);
  assert.equal(by.fast.wallSpeedup, 4);
  assert.equal(by.hizoo.stepSpeedup, 4);
  assert.equal(by.hizoo.passSpeedup, 2048 / 768);
  assert.deepEqual(by.hizoo.hit, { t: 256, trainingPasses: 768, wallMs: 256 });
  assert.equal(by.never.hit, null);
  assert.equal(by.never.stepSpeedup, null);
  // Against the fast run as baseline, the slow one needs 4x the steps: speedup 1/4.
  const swapped = buildSummaryRows(runs, 'fast', { kind: 'final' });
  // fast's final eval loss is 0.5, which the MeZO run never reaches
  assert.equal(swapped.targetLoss, 0.5);
  assert.equal(swapped.rows.find((r) => r.id === 'base')!.hit, null);
});

test('view model: unknown baseline falls back to MeZO; curves use training passes', () => {
  const runs = [snap('fast', 'helene', 2, fast), snap('base', 'mezo', 2, baseline)];
  const model = buildCompareViewModel(runs, { baselineId: 'nope', maxPoints: 100 });
  assert.equal(model.baselineId, 'base');
  assert.equal(model.runs[0].trainLoss.length, 100);
  assert.equal(model.runs[0].evalLoss.length, 17);
  const lastEval = model.runs[1].evalLoss[16];
  assert.deepEqual([lastEval.t, lastEval.passes, lastEval.v], [1024, 2048, 1]);
  // Only the optimizer differs in these configs.
  assert.deepEqual(model.diff.map((d) => d.key), ['optimizer.name']);
});

test('decimate keeps the last point exact and bucket means in between', () => {
  const curves = extractCurves(baseline);
  assert.equal(curves.trainLoss.length, 1024);
  const d = decimate(curves.trainLoss, 5);
  assert.equal(d.length, 5);
  assert.deepEqual(d[4], curves.trainLoss[1023]);
  // the first bucket holds steps 1..255 (1023 points in 4 buckets)
  const first = curves.trainLoss.slice(0, 255);
  assert.equal(d[0].t, first.reduce((s, p) => s + p.t, 0) / 255);
  assert.equal(decimate(curves.trainLoss, 5000), curves.trainLoss);
});

test('EMA is debiased and 0 means no smoothing; tail mean', () => {
  assert.deepEqual(ema([1, 2, 3], 0), [1, 2, 3]);
  const s = ema([4, 4, 4], 0.9);
  for (const v of s) assert.ok(Math.abs(v - 4) < 1e-12, 'a constant stays constant (no pull toward 0)');
  const step = ema([0, 10], 0.5);
  assert.equal(step[0], 0);
  assert.ok(Math.abs(step[1] - 10 * 0.5 / 0.75) < 1e-12);
  assert.equal(tailMean([1, 2, 3, 6], 2), 4.5);
  assert.equal(tailMean([], 3), null);
});

test('curves carry training examples seen, by the accounting rule (eval points: trainExamples, else the last step\'s)', () => {
  const records = makeRecords({ ...common, steps: 256, passesPerStep: 2, evalLoss: (t) => 2 - t / 256, accuracy: () => 0.5 });
  // An eval record written by today's trainer carries trainExamples; the fixture's older ones do not.
  const withTrain = records.map((r) => (r.kind === 'eval' && r.t === 128 ? { ...r, trainExamples: 4100 } : r));
  const curves = extractCurves(withTrain);
  const points = accountedPoints(withTrain);
  assert.deepEqual(curves.trainLoss.map((p) => p.examples), points.filter((p) => p.kind === 'step').map((p) => p.examples));
  assert.deepEqual(curves.evalLoss.map((p) => p.examples), points.filter((p) => p.kind === 'eval').map((p) => p.examples));
  assert.deepEqual(curves.evalMetric.map((p) => p.examples), curves.evalLoss.map((p) => p.examples));
  assert.deepEqual(curves.evalLoss.map((p) => [p.t, p.examples]), [[0, 0], [64, 2048], [128, 4100], [192, 6144], [256, 8192]], 'not the eval set size (100)');
  // Bucket means keep examples in step with the other fields; the last point stays exact.
  const d = decimate(curves.trainLoss, 9);
  assert.equal(d.length, 9);
  assert.deepEqual(d.at(-1), curves.trainLoss.at(-1));
  for (const b of d) assert.equal(b.examples, 32 * b.t, 'a bucket mean of examples: 32 per step, like its mean step');
  assert.ok(d[0].examples > 32, 'a real mean over many steps');
  // The compare page's x on every axis, and the long CSV's examples column.
  const p = curves.evalLoss[2];
  assert.deepEqual(['step', 'forwardPasses', 'examples', 'wallSeconds'].map((a) => xOf(p, savedXAxis(a))), [128, 256, 4100, p.wallMs / 1000]);
  assert.equal(xTitleOf('examples'), 'training examples seen');
  const model = buildCompareViewModel([{ id: 'r', snapshot: { manifest: manifest('r', 'mezo', 2), status: null, records: withTrain, summary: null } }]);
  const csv = curvesCsv(model).split('\r\n');
  assert.equal(csv[0], 'run,series,step,training_passes,examples,wall_ms,value');
  assert.match(csv.find((l) => l.startsWith('r,eval_loss,128,'))!, /^r,eval_loss,128,256,4100,128,/);
});

test('compare page x axis: the saved choice, today\'s keys or the names older pages saved', () => {
  assert.equal(savedXAxis('examples'), 'examples');
  assert.equal(savedXAxis('forwardPasses'), 'forwardPasses');
  assert.equal(savedXAxis('passes'), 'forwardPasses');
  assert.equal(savedXAxis('time'), 'wallSeconds');
  assert.equal(savedXAxis('furlongs'), 'step');
  assert.equal(savedXAxis(undefined), 'step');
});

test('a HELENE variant is labelled once: "helene (layerwise)", as the runtime names it "helene-layerwise"', () => {
  // What the runtime writes for the recommended preset: the instance name carries the variant.
  const layerwise = manifest('a', 'helene-layerwise', 2, {}, { optimizer: { name: 'helene', variant: 'layerwise', blocks: 'auto', lr: 0.01 } });
  assert.equal(optimizerLabel(layerwise), 'helene (layerwise)');
  assert.equal(optimizerLabel(manifest('b', 'helene', 2, {}, { optimizer: { name: 'helene', variant: 'paper', lr: 0.003 } })), 'helene');
  assert.equal(optimizerLabel(manifest('c', 'mezo', 2)), 'mezo');
  assert.equal(optimizerLabel(null), '?');
});
