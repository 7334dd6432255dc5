import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HostToWebview, MetricRecord, RunStatus, StepRecord } from '../../runtime/protocol';
import { applyMessage, controlAvailability, createViewModel, guardMarkerLabel, statusView } from '../../webview/panel/view-model';
import { accountedPoints } from '../../runtime/run/accounting';
import { buildReplay, expectationsOf, lastOf } from '../webview/run-replay';
import { DEFAULT_SYNTHETIC, buildSyntheticRun, syntheticManifest, syntheticRecords, withGuardTrip } from '../webview/synthetic-run';

/** A chart point without its accounting stamp (x-axis.ts; tested in webview-x-axis.test.ts). */
const xy = (p: { x: number; y: number } | undefined) => (p ? { x: p.x, y: p.y } : p);

function replayAll(messages: HostToWebview[]) {
  const vm = createViewModel();
  for (const m of messages) applyMessage(vm, m);
  return vm;
}

test('snapshot + appends give the same model as one snapshot of everything', () => {
  const run = buildSyntheticRun();
  const replay = buildReplay(run);
  const live = replayAll([replay.snapshot, ...replay.live]);
  const whole = replayAll([{ type: 'snapshot', live: true, snapshot: { manifest: run.manifest, status: run.status, records: run.records, summary: run.summary } }]);
  for (const key of Object.keys(live.series) as (keyof typeof live.series)[]) {
    assert.deepEqual(live.series[key].points(), whole.series[key].points(), key);
  }
  assert.deepEqual(live.layers, whole.layers);
  assert.deepEqual(live.markers, whole.markers);
});

test('series, layer rows, heatmap and markers of the synthetic run', () => {
  const run = buildSyntheticRun();
  const exp = expectationsOf(run);
  const replay = buildReplay(run);
  const vm = replayAll([replay.snapshot, ...replay.live]);
  assert.equal(vm.series.trainLoss.points().length, 300);
  assert.deepEqual(xy(vm.series.trainLoss.last()), { x: 300, y: exp.lastStep.loss });
  assert.equal(vm.series.evalLoss.points().length, 7, 'eval at t = 0 and every 50 steps');
  assert.deepEqual(xy(vm.series.lr.last()), { x: 300, y: 0.0005 });
  assert.deepEqual(xy(vm.series.forwardMs.last()), { x: 300, y: exp.lastStep.timing.forwardMs });
  assert.deepEqual(vm.layers, { t: 300, rows: exp.lastLayers!.layers });
  const m = vm.heatmap.matrix('floorFraction');
  assert.equal(m.layers.length, 6);
  assert.equal(m.columns.length, 31, 'statistics at t = 1 and every 10 steps');
  assert.equal(m.cells[5 * 31 + 30], Math.fround(exp.lastLayers!.layers[5].floorFraction!));
  const logH = vm.heatmap.matrix('hMean');
  assert.equal(logH.cells[0 * 31 + 30], Math.fround(Math.log10(exp.lastLayers!.layers[0].hMean!)));
  assert.deepEqual(
    vm.markers.map((mk) => [mk.t, mk.event, mk.label]),
    [
      [0, 'provider', 'provider'],
      [150, 'hyperparameters', 'lr=5e-4'],
    ],
  );
  assert.equal(vm.hyperparameters.lr, 0.0005, 'the recorded change updates the current values');
  assert.equal(vm.hyperparameters.eps, 0.001);
});

const EXPLOSION_MESSAGE =
  'step 41: loss 12.3 is 7.885x its lowest running median 1.56 (guards.explosion.factor 4): the learning rate is too high; step skipped, theta untouched (1 skipped so far). If this repeats, lower optimizer.lr (try 0.0001).';

test('a guard event is a marker at its step and counts, labelled with the guard and the outcome, and a notice', () => {
  const run = withGuardTrip(buildSyntheticRun({ ...DEFAULT_SYNTHETIC, steps: 80, changeAt: 0, evalEvery: 20 }), {
    t: 41, guard: 'loss-explosion', action: 'skipped', loss: 12.3, median: 1.6, reference: 1.56, factor: 4, message: EXPLOSION_MESSAGE,
  });
  const step40 = run.records.find((r): r is StepRecord => r.kind === 'step' && r.t === 40)!;
  assert.ok(!run.records.some((r) => r.kind === 'step' && r.t === 41), 'the skipped step has no step record');
  const replay = buildReplay(run);
  const vm = replayAll([replay.snapshot, ...replay.live]);
  const guard = vm.markers.find((m) => m.event === 'guard');
  assert.ok(guard, `markers: ${vm.markers.map((m) => m.event).join(', ')}`);
  assert.deepEqual(
    vm.markers.map((m) => [m.t, m.event, m.label]),
    [
      [0, 'provider', 'provider'],
      [41, 'guard', 'guard: loss 12.3 > 4x median 1.56 — step skipped'],
    ],
  );
  // On every axis the marker sits at step 41 with the counts of step 40 (the skipped step added none
  // to the records) and at its own wall time.
  const at40 = accountedPoints(run.records).find((p) => p.kind === 'step' && p.t === 40)!;
  assert.deepEqual(guard.at, { step: 41, forwardPasses: at40.trainingPasses, examples: step40.examples, wallSeconds: (step40.wallMs + 3) / 1000 });
  assert.equal(at40.trainingPasses, 80, '2 passes x 40 steps, evaluation excluded');
  assert.equal(guard.message, EXPLOSION_MESSAGE);
  assert.deepEqual(vm.notices, [{ level: 'info', text: EXPLOSION_MESSAGE, source: 'guard' }]);

  // A later trip that stops the run replaces the guard notice (one at most) and is an error; host notices stay.
  applyMessage(vm, { type: 'notice', level: 'error', text: 'Could not send pause: the run has ended' });
  const stop = 'step 79: non-finite loss (NaN); the run stopped before the update. Try optimizer.lr = 0.0001 (10x lower than 0.001).';
  applyMessage(vm, {
    type: 'append',
    records: [{ kind: 'event', t: 79, wallMs: 1e6, event: 'guard', message: stop, data: { guard: 'non-finite-loss', policy: 'stop', action: 'stopped', loss: null, median: 1.2, lr: 1e-3, suggestedLr: 1e-4 } }],
  });
  assert.deepEqual(vm.markers.at(-1)!.label, 'guard: non-finite loss — run stopped');
  assert.deepEqual(vm.notices, [
    { level: 'error', text: 'Could not send pause: the run has ended' },
    { level: 'error', text: stop, source: 'guard' },
  ]);
});

test('guard marker labels: each guard, its numbers and the policy outcome', () => {
  assert.equal(
    guardMarkerLabel({ guard: 'loss-explosion', policy: 'skip', action: 'skipped', loss: 12.345, median: 2, reference: 1.5, factor: 4 }),
    'guard: loss 12.35 > 4x median 1.5 — step skipped',
  );
  // Older records without reference/factor: the ratio to the running median.
  assert.equal(guardMarkerLabel({ guard: 'loss-explosion', action: 'stopped', loss: 10, median: 2 }), 'guard: loss 10 = 5x median 2 — run stopped');
  assert.equal(guardMarkerLabel({ guard: 'non-finite-loss', action: 'skipped', loss: null }), 'guard: non-finite loss — step skipped');
  assert.equal(guardMarkerLabel({ guard: 'loss-collapse', action: 'stopped', loss: 0, median: 0.7 }), 'guard: loss collapsed to 0 — run stopped');
  assert.equal(
    guardMarkerLabel({ guard: 'non-finite-state', action: 'skipped', tensor: 'optimizer state h of fc1', restoredTo: 40 }),
    'guard: non-finite value in optimizer state h of fc1 — step skipped, restored to step 40',
  );
  assert.equal(guardMarkerLabel({ guard: 'something-new', policy: 'stop' }), 'guard: something-new — policy stop');
  assert.equal(guardMarkerLabel(undefined), 'guard: tripped');
});

test('status view: step/total, provider really running and the fallback reason', () => {
  const run = buildSyntheticRun();
  const replay = buildReplay(run);
  const vm = replayAll([replay.snapshot, ...replay.live]);
  const s = statusView(vm);
  assert.equal(s.state, 'running');
  assert.equal(s.step, 300);
  assert.equal(s.totalSteps, 300);
  assert.equal(s.provider, 'cpu');
  assert.deepEqual(s.fallback, { requested: 'auto', actual: 'cpu', reason: run.manifest.engine.fallbackReason });
  // Step records are newer than a status written a second ago.
  applyMessage(vm, { type: 'status', status: { ...(replay.snapshot.type === 'snapshot' ? replay.snapshot.snapshot.status! : ({} as RunStatus)), step: 290 } });
  assert.equal(statusView(vm).step, 300);
});

test('status view: the run\'s automatic choices from run.json, one line each (none for older runs)', () => {
  const run = buildSyntheticRun();
  assert.deepEqual(statusView(replayAll([{ type: 'snapshot', live: false, snapshot: { manifest: run.manifest, status: run.status, records: [], summary: null } }])).automatic, []);
  const manifest = { ...run.manifest, optimizer: { ...run.manifest.optimizer, automatic: [{ key: 'optimizer.blocks', requested: 'auto', chosen: 'layer', reason: 'too few steps for rows' }] } };
  const vm = replayAll([{ type: 'snapshot', live: false, snapshot: { manifest, status: run.status, records: [], summary: null } }]);
  assert.deepEqual(statusView(vm).automatic, ['optimizer.blocks auto → layer: too few steps for rows']);
});

test('status view: concurrent passes from run.json, then as the engine event updates them (the auto probe decides mid-run)', () => {
  const run = buildSyntheticRun();
  const started = { requested: 'auto' as const, used: true, threads: [1, 1] as [number, number], reason: 'auto: 1060000 trainable elements on the CPU: the +eps pass on 1 thread and the −eps pass on 1, at the same time' };
  const manifest = { ...run.manifest, engine: { ...run.manifest.engine, concurrentPasses: started } };
  const vm = replayAll([{ type: 'snapshot', live: true, snapshot: { manifest, status: run.status, records: [], summary: null } }]);
  assert.equal(statusView(vm).concurrentPasses, true);
  assert.deepEqual(statusView(vm).automatic, [`engine.concurrentPasses auto → on: ${started.reason}`]);
  const decided = { requested: 'auto' as const, used: false, reason: 'auto: measured over 6 pairs each: 0.310 ms at the same time, 0.205 ms one after the other, so the passes run one after the other' };
  applyMessage(vm, { type: 'append', records: [{ kind: 'event', t: 14, wallMs: 30, event: 'engine', message: 'concurrent passes off', data: { concurrentPasses: decided } }] });
  assert.equal(statusView(vm).concurrentPasses, false);
  assert.deepEqual(statusView(vm).automatic, [`engine.concurrentPasses auto → off: ${decided.reason}`]);
  // Set by hand (on or off), it is not an automatic choice; older runs have no such field.
  const onByHand = { ...run.manifest, engine: { ...run.manifest.engine, concurrentPasses: { ...started, requested: 'on' as const } } };
  const byHand = statusView(replayAll([{ type: 'snapshot', live: false, snapshot: { manifest: onByHand, status: run.status, records: [], summary: null } }]));
  assert.equal(byHand.concurrentPasses, true);
  assert.deepEqual(byHand.automatic, []);
  assert.equal(statusView(replayAll([{ type: 'snapshot', live: false, snapshot: { manifest: run.manifest, status: run.status, records: [], summary: null } }])).concurrentPasses, false);
});

test('controls follow the state and liveness', () => {
  const vm = createViewModel();
  const status = (state: RunStatus['state']): HostToWebview => ({ type: 'status', status: { state, step: 1, totalSteps: 10, updatedAt: '' } });
  applyMessage(vm, { type: 'snapshot', live: true, snapshot: { manifest: syntheticManifest(), status: null, records: [], summary: null } });
  applyMessage(vm, status('running'));
  assert.deepEqual(controlAvailability(vm), { pause: true, resume: false, stop: true, hyperparameters: true });
  applyMessage(vm, status('paused'));
  assert.deepEqual(controlAvailability(vm), { pause: false, resume: true, stop: true, hyperparameters: true });
  applyMessage(vm, status('finished'));
  assert.deepEqual(controlAvailability(vm), { pause: false, resume: false, stop: false, hyperparameters: false });
  applyMessage(vm, { type: 'snapshot', live: false, snapshot: { manifest: syntheticManifest(), status: { state: 'running', step: 1, totalSteps: 10, updatedAt: '' }, records: [], summary: null } });
  assert.equal(controlAvailability(vm).pause, false, 'a recorded (not live) run cannot be controlled');
});

test('appends before the first snapshot are ignored; a new snapshot replaces everything', () => {
  const vm = createViewModel();
  const records = [...syntheticRecords({ ...DEFAULT_SYNTHETIC, steps: 20 })];
  assert.equal(applyMessage(vm, { type: 'append', records }).charts, false);
  assert.equal(vm.series.trainLoss.size, 0);
  applyMessage(vm, { type: 'snapshot', live: true, snapshot: { manifest: null, status: null, records, summary: null } });
  assert.equal(vm.series.trainLoss.size, 20);
  applyMessage(vm, { type: 'snapshot', live: false, snapshot: { manifest: null, status: null, records: records.slice(0, 5), summary: null } });
  assert.equal(vm.series.trainLoss.size, 1, 'the first five records: provider, started, eval@0, step 1, layers@1');
  applyMessage(vm, { type: 'notice', level: 'error', text: 'x' });
  assert.deepEqual(vm.notices, [{ level: 'error', text: 'x' }]);
});

test('a 100,000-step run with statistics on 200 layers stays bounded and exact at the end', () => {
  const o = { ...DEFAULT_SYNTHETIC, steps: 100_000, layers: 200, statsEvery: 10, evalEvery: 1000, changeAt: 50_000 };
  const manifest = syntheticManifest(o);
  const vm = createViewModel();
  applyMessage(vm, { type: 'snapshot', live: true, snapshot: { manifest, status: null, records: [], summary: null } });
  let batch: MetricRecord[] = [];
  let lastStep: MetricRecord | undefined;
  let lastLayers: MetricRecord | undefined;
  let layerRecords = 0;
  for (const r of syntheticRecords(o, manifest.model.trainables)) {
    batch.push(r);
    if (r.kind === 'step') lastStep = r;
    if (r.kind === 'layers') (lastLayers = r), layerRecords++;
    if (batch.length === 500) {
      applyMessage(vm, { type: 'append', records: batch });
      batch = [];
    }
  }
  applyMessage(vm, { type: 'append', records: batch });
  assert.equal(layerRecords, 10_001);

  for (const [key, series] of Object.entries(vm.series)) {
    const pts = series.points();
    assert.ok(pts.length <= vm.limits.series.maxPoints, `${key}: ${pts.length} points`);
  }
  assert.equal(vm.series.trainLoss.size, 100_000);
  assert.ok(lastStep?.kind === 'step');
  const tail = vm.series.trainLoss.points().slice(-3);
  assert.deepEqual(tail.map((p) => p.x), [99_998, 99_999, 100_000]);
  assert.equal(tail[2].y, lastStep.loss);
  assert.deepEqual(xy(vm.series.lr.last()), { x: 100_000, y: o.lr / 2 });

  const m = vm.heatmap.matrix('updateToWeight');
  const cap = vm.limits.heatmap.recentColumns + vm.limits.heatmap.mergedColumns;
  assert.equal(m.layers.length, 200);
  assert.ok(m.columns.length <= cap, `${m.columns.length} heatmap columns`);
  assert.equal(m.cells.length, 200 * m.columns.length);
  assert.deepEqual(m.columns[m.columns.length - 1], { tFirst: 100_000, tLast: 100_000 }, 'the newest column is exact');
  assert.equal(m.columns[0].tFirst, 1, 'merged columns still start at the first statistics step');
  assert.ok(lastLayers?.kind === 'layers');
  assert.deepEqual(vm.layers?.rows, lastLayers.layers, 'the table shows the last record exactly');
  assert.equal(vm.layers?.t, 100_000);
  assert.ok(lastOf([lastStep], 'step'));
});

test('a run whose texts were cut to maxLength shows one notice with the count; none when nothing was cut or for numeric data', () => {
  const run = buildSyntheticRun();
  const facts = { file: '/ws/train.jsonl', examples: 3000, skippedLines: 0, invalidUtf8Lines: 0, truncated: 412, maxLength: 64 };
  const snapshot = (data: typeof run.manifest.data): HostToWebview => ({
    type: 'snapshot',
    live: false,
    snapshot: { manifest: { ...run.manifest, data }, status: run.status, records: [], summary: run.summary },
  });
  const cut = replayAll([snapshot({ train: facts, eval: { ...facts, examples: 500, truncated: 70 } })]);
  assert.deepEqual(cut.notices, [{ level: 'info', text: '412 of 3000 training examples truncated to maxLength 64 (eval: 70 of 500)' }]);
  // A new snapshot (panel reload) replaces it instead of adding a second one.
  const again = replayAll([snapshot({ train: facts, eval: null }), snapshot({ train: facts, eval: null })]);
  assert.equal(again.notices.length, 1);
  assert.deepEqual(replayAll([snapshot({ train: { ...facts, truncated: 0 }, eval: null })]).notices, []);
  assert.deepEqual(replayAll([snapshot({ train: { file: '/ws/train.jsonl', examples: 10, skippedLines: 0, invalidUtf8Lines: 0 }, eval: null })]).notices, []);
  assert.deepEqual(replayAll([snapshot(undefined)]).notices, [], 'a run.json written before data facts were recorded');
});

test('status view: the auto provider check from run.json, as an automatic line naming the provider kept', () => {
  const run = buildSyntheticRun();
  const sentence = 'provider "auto" timed a ±eps pair on the first batch: webgpu 1612.0 ms (θ and dir copied to the GPU for each pass: 1632 MB a pair), cpu 1040.0 ms; running on cpu.';
  const manifest = { ...run.manifest, engine: { ...run.manifest.engine, requestedProvider: 'auto' as const, provider: 'cpu' as const, fallbackReason: sentence, providerCheck: sentence } };
  const vm = replayAll([{ type: 'snapshot', live: false, snapshot: { manifest, status: { ...run.status, provider: 'cpu' }, records: [], summary: null } }]);
  assert.deepEqual(statusView(vm).automatic, [`engine.provider auto → cpu: ${sentence}`]);
  assert.equal(statusView(vm).fallback?.reason, sentence);
});
