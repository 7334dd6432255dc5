/**
 * The run panel's x-axis mapping (webview/panel/x-axis.ts): every chart point and marker carries
 * its step, training forward passes, examples and wall time taken from the records, by the same rule
 * as the runtime's accounting (runtime/run/accounting.ts), and survives decimation.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EvalRecord, EventRecord, MetricRecord, StepRecord } from '../../runtime/protocol';
import { X_AXES, accountedPoints, xOf } from '../../runtime/run/accounting';
import { DecimatedSeries } from '../../webview/panel/decimate';
import { applyMessage, createViewModel } from '../../webview/panel/view-model';
import { AxisAccountant, PANEL_X_AXES, axisValue, isXAxis, pointsOnAxis, xAxisTitle } from '../../webview/panel/x-axis';
import { buildSyntheticRun } from '../webview/synthetic-run';

const step = (t: number, forwardPasses: number, examples: number, wallMs: number): StepRecord => ({
  kind: 'step',
  t,
  loss: 1 / t,
  lr: 1e-3,
  forwardPasses,
  examples,
  wallMs,
  timing: { forwardMs: 1, rngMs: 0, optimizerMs: 0, dataMs: 0, totalMs: 1 },
  examplesPerSec: 1,
});
const evalAt = (t: number, forwardPasses: number, wallMs: number, trainExamples?: number): EvalRecord => ({
  kind: 'eval',
  t,
  forwardPasses,
  wallMs,
  loss: 1,
  examples: 100,
  ...(trainExamples !== undefined ? { trainExamples } : {}),
});
const event = (t: number, wallMs: number): EventRecord => ({ kind: 'event', t, wallMs, event: 'paused', message: 'paused' });

test('the panel offers the four accounting axes of the runtime, in its order', () => {
  assert.deepEqual(
    PANEL_X_AXES.map((a) => a.value),
    X_AXES.map((a) => a.key),
  );
  assert.ok(isXAxis('wallSeconds') && isXAxis('step'));
  assert.ok(!isXAxis('time') && !isXAxis(undefined) && !isXAxis(3));
  assert.equal(xAxisTitle('forwardPasses'), 'training forward passes');
  assert.equal(xAxisTitle('wallSeconds'), 'wall time (s)');
});

test('AxisAccountant: training passes exclude evaluation passes; examples and wall time are the recorded ones', () => {
  const a = new AxisAccountant();
  // eval at t = 0 (4 passes), three steps of 3 passes, an eval (4 passes), a step, an event.
  assert.deepEqual(a.eval(evalAt(0, 4, 10)), { step: 0, forwardPasses: 0, examples: 0, wallSeconds: 0.01 });
  assert.deepEqual(a.step(step(1, 7, 8, 1000)), { step: 1, forwardPasses: 3, examples: 8, wallSeconds: 1 });
  assert.deepEqual(a.step(step(2, 10, 16, 2000)), { step: 2, forwardPasses: 6, examples: 16, wallSeconds: 2 });
  assert.deepEqual(a.step(step(3, 13, 24, 3500)), { step: 3, forwardPasses: 9, examples: 24, wallSeconds: 3.5 });
  assert.deepEqual(a.eval(evalAt(3, 17, 3600, 24)), { step: 3, forwardPasses: 9, examples: 24, wallSeconds: 3.6 });
  assert.deepEqual(a.step(step(4, 20, 32, 4000)), { step: 4, forwardPasses: 12, examples: 32, wallSeconds: 4 });
  // An event sits at the counts reached so far and at its own wall time.
  assert.deepEqual(a.event(event(4, 4200)), { step: 4, forwardPasses: 12, examples: 32, wallSeconds: 4.2 });
  // trainExamples on an eval record wins over the last step's count (evaluations of older runs lack it).
  assert.equal(a.eval(evalAt(4, 24, 4300, 40)).examples, 40);
});

test('AxisAccountant agrees with the runtime accounting on every step and eval record of a synthetic run', () => {
  const run = buildSyntheticRun();
  const a = new AxisAccountant();
  const mine: { kind: string; values: number[] }[] = [];
  for (const r of run.records as MetricRecord[]) {
    if (r.kind === 'step') mine.push({ kind: 'step', values: X_AXES.map((x) => axisValue(a.step(r), x.key)) });
    if (r.kind === 'eval') mine.push({ kind: 'eval', values: X_AXES.map((x) => axisValue(a.eval(r), x.key)) });
  }
  const runtime = accountedPoints(run.records).map((p) => ({ kind: p.kind, values: X_AXES.map((x) => xOf(p, x.key)) }));
  assert.equal(mine.length, 300 + 7);
  assert.deepEqual(mine, runtime);
  // Literal spot check: the last step, 300 steps of 2 passes and 16 examples.
  assert.deepEqual(mine.filter((m) => m.kind === 'step').at(-1)!.values.slice(0, 3), [300, 600, 4800]);
});

test('pointsOnAxis maps x only; points without accounting stay on the step axis and are left out elsewhere', () => {
  const at = { step: 5, forwardPasses: 10, examples: 80, wallSeconds: 0.25 };
  const pts = [{ x: 5, y: 1.5, at }, { x: 6, y: 1.25 }];
  assert.deepEqual(pointsOnAxis(pts, 'step'), [{ x: 5, y: 1.5 }, { x: 6, y: 1.25 }]);
  assert.deepEqual(pointsOnAxis(pts, 'forwardPasses'), [{ x: 10, y: 1.5 }]);
  assert.deepEqual(pointsOnAxis(pts, 'examples'), [{ x: 80, y: 1.5 }]);
  assert.deepEqual(pointsOnAxis(pts, 'wallSeconds'), [{ x: 0.25, y: 1.5 }]);
});

test('decimated points (min/max buckets and gaps) keep their own accounting', () => {
  const s = new DecimatedSeries({ recent: 20, maxPoints: 60 });
  for (let t = 1; t <= 5000; t++) {
    const y = t > 2000 && t <= 2600 ? Number.NaN : Math.sin(t / 50);
    s.push(t, y, { step: t, forwardPasses: 3 * t, examples: 32 * t, wallSeconds: t / 100 });
  }
  const pts = s.points();
  assert.ok(pts.length <= 60 && pts.length > 20);
  for (const p of pts) {
    assert.ok(p.at, `point at ${p.x} lost its accounting`);
    assert.equal(p.at.step, p.x);
  }
  const passes = pointsOnAxis(pts, 'forwardPasses');
  assert.deepEqual(
    passes.map((p) => p.x),
    pts.map((p) => 3 * p.x),
  );
  assert.ok(passes.some((p) => Number.isNaN(p.y)), 'a bucket of only non-finite values stays a gap on every axis');
});

test('the view model stamps series points and event markers with the records\' accounting', () => {
  const run = buildSyntheticRun();
  const vm = createViewModel();
  applyMessage(vm, { type: 'snapshot', live: true, snapshot: { manifest: run.manifest, status: run.status, records: run.records, summary: null } });
  const change = vm.markers.find((m) => m.event === 'hyperparameters')!;
  const recorded = run.records.find((r): r is EventRecord => r.kind === 'event' && r.event === 'hyperparameters')!;
  assert.deepEqual(change.at, { step: 150, forwardPasses: 300, examples: 2400, wallSeconds: recorded.wallMs / 1000 });
  const last = vm.series.trainLoss.last()!;
  const lastStep = run.records.filter((r): r is StepRecord => r.kind === 'step').at(-1)!;
  assert.deepEqual(last.at, { step: 300, forwardPasses: 600, examples: 4800, wallSeconds: lastStep.wallMs / 1000 });
  const evals = pointsOnAxis(vm.series.evalLoss.points(), 'forwardPasses').map((p) => p.x);
  assert.deepEqual(evals, [0, 100, 200, 300, 400, 500, 600]);
});
