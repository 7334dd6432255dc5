/** Sweep grids: parsing (text and JSON forms), cartesian expansion order, labels, validation up front, the cap. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, resolveConfig } from '../../runtime/protocol';
import { expandSweep, MAX_SWEEP_RUNS, parseSweepGrid, parseSweepValue, sweepSize } from '../../runtime/runs/sweep-spec';

const BASE = { name: 'base', model: { path: 'm.onnx' }, data: { train: 't.jsonl' }, optimizer: { name: 'helene', lr: 0.001 } };

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a ConfigError');
}

test('values parse as JSON where they can (numbers, booleans, null, quoted strings), else as strings', () => {
  assert.equal(parseSweepValue('1e-3'), 0.001);
  assert.equal(parseSweepValue(' 2 '), 2);
  assert.equal(parseSweepValue('true'), true);
  assert.equal(parseSweepValue('null'), null);
  assert.equal(parseSweepValue('helene'), 'helene');
  assert.equal(parseSweepValue('"3"'), '3');
  // Arrays and objects are not grid values: kept as the text.
  assert.equal(parseSweepValue('[1,2]'), '[1,2]');
});

test('text grid: axes by ";" or new line, values by ","; JSON form gives the same axes', () => {
  const axes = parseSweepGrid('optimizer.lr=1e-3,3e-3,1e-2; optimizer.name=mezo,helene\nseed=1,2');
  assert.deepEqual(axes, [
    { key: 'optimizer.lr', values: [0.001, 0.003, 0.01] },
    { key: 'optimizer.name', values: ['mezo', 'helene'] },
    { key: 'seed', values: [1, 2] },
  ]);
  assert.deepEqual(parseSweepGrid('{"optimizer.lr":[0.001,0.003,0.01],"optimizer.name":["mezo","helene"],"seed":[1,2]}'), axes);
  assert.equal(sweepSize(axes), 12);
  // A quoted value may hold the separators.
  assert.deepEqual(parseSweepGrid('name="a,b";seed=1')[0].values, ['a,b']);
});

test('malformed grids fail with a message naming the problem', () => {
  assert.match(configError(() => parseSweepGrid('')).message, /grid is empty/);
  assert.match(configError(() => parseSweepGrid('optimizer.lr')).message, /key\.path=value1,value2/);
  assert.match(configError(() => parseSweepGrid('seed=1,,2')).message, /seed has an empty value/);
  assert.match(configError(() => parseSweepGrid('seed=1;seed=2')).message, /seed is given twice/);
  assert.match(configError(() => parseSweepGrid('seed=1,1')).message, /seed repeats a value/);
  assert.match(configError(() => parseSweepGrid('output.runId=a,b')).message, /cannot be a grid axis/);
  assert.match(configError(() => parseSweepGrid('{"seed": [[1]]}')).message, /values must be numbers/);
});

test('expansion: cartesian product, first axis slowest, run ids <sweepId>-<nn>, labels, overrides and names', () => {
  const axes = parseSweepGrid('optimizer.lr=1e-3,3e-3,1e-2; optimizer.name=mezo,helene; seed=1,2');
  const runs = expandSweep(BASE, axes, { sweepId: 'sw' });
  assert.equal(runs.length, 12);
  assert.deepEqual(runs.map((r) => r.runId).slice(0, 3), ['sw-01', 'sw-02', 'sw-03']);
  assert.equal(runs[11].runId, 'sw-12');
  assert.deepEqual(runs.slice(0, 5).map((r) => r.label), [
    'lr=0.001 name=mezo seed=1',
    'lr=0.001 name=mezo seed=2',
    'lr=0.001 name=helene seed=1',
    'lr=0.001 name=helene seed=2',
    'lr=0.003 name=mezo seed=1',
  ]);
  assert.equal(runs[11].label, 'lr=0.01 name=helene seed=2');
  assert.deepEqual(runs.map((r) => r.index), [...Array(12).keys()]);
  // Every combination exactly once.
  assert.equal(new Set(runs.map((r) => r.label)).size, 12);
  const r = runs[6];
  assert.deepEqual(r.values, { 'optimizer.lr': 0.003, 'optimizer.name': 'helene', seed: 1 });
  assert.deepEqual(r.overrides, ['optimizer.lr=0.003', 'optimizer.name="helene"', 'seed=1', 'output.runId="sw-07"', 'name="base lr=0.003 name=helene seed=1"']);
  // The planned config is the base with the values merged in (siblings kept) and resolves.
  const resolved = resolveConfig(r.config).config;
  assert.equal(resolved.optimizer.lr, 0.003);
  assert.equal(resolved.optimizer.name, 'helene');
  assert.equal(resolved.seed, 1);
  assert.equal(resolved.output.runId, 'sw-07');
  assert.equal(resolved.model.path, 'm.onnx');
  assert.equal(BASE.optimizer.lr, 0.001, 'the base config is not mutated');
  // 100+ runs widen the number.
  const big = expandSweep(BASE, parseSweepGrid(`seed=${[...Array(101).keys()].join(',')}`), { sweepId: 'b' });
  assert.equal(big[0].runId, 'b-001');
  assert.equal(big[100].runId, 'b-101');
});

test('two axes with the same last segment are labelled by their full keys', () => {
  const runs = expandSweep(BASE, parseSweepGrid('optimizer.eps=0.001; model.lora.alpha=8'), { sweepId: 's' });
  assert.equal(runs[0].label, 'eps=0.001 alpha=8');
  const clash = expandSweep({ ...BASE, guards: {} }, [
    { key: 'optimizer.lr', values: [0.001] },
    { key: 'optimizer.warmup', values: [0] },
  ], { sweepId: 's' });
  assert.equal(clash[0].label, 'lr=0.001 warmup=0');
});

test('a typo in an axis key fails up front with the closest key, naming the axis', () => {
  const e = configError(() => expandSweep(BASE, parseSweepGrid('optimizer.lrr=1e-3,3e-3; seed=1,2'), { sweepId: 's', source: 'base.json' }));
  assert.equal(e.issues.length, 1, 'the same typo in every run is reported once');
  assert.equal(e.issues[0].path, 'grid axis optimizer.lrr = 0.001');
  assert.match(e.issues[0].message, /unknown key \(did you mean "optimizer\.lr"\?\)/);
  assert.match(e.message, /^base\.json \(sweep\)/);
  // A typo in a section name is attributed to the axis under it.
  const s = configError(() => expandSweep(BASE, parseSweepGrid('optimzer.lr=1e-3'), { sweepId: 's' }));
  assert.match(s.issues[0].path, /^grid axis optimzer\.lr/);
  assert.match(s.issues[0].message, /did you mean "optimizer"/);
});

test('bad values fail up front naming the axis and the value; every bad value is listed', () => {
  const e = configError(() => expandSweep(BASE, parseSweepGrid('optimizer.lr=1e-3,-1; optimizer.name=mezo,helen; steps=10,1.5'), { sweepId: 's' }));
  const paths = e.issues.map((i) => i.path).sort();
  assert.deepEqual(paths, ['grid axis optimizer.lr = -1', 'grid axis optimizer.name = helen', 'grid axis steps = 1.5']);
  assert.match(e.issues.find((i) => i.path.includes('helen'))!.message, /did you mean "helene"/);
  assert.match(e.issues.find((i) => i.path.includes('lr'))!.message, /must be > 0, got -1/);
  // A problem of the base config (no axis) names the run it shows in.
  const base = configError(() => expandSweep({ ...BASE, data: {} }, parseSweepGrid('seed=1'), { sweepId: 's' }));
  assert.equal(base.issues[0].path, 'data.train');
  assert.match(base.issues[0].message, /is required \(in the run seed=1\)/);
});

test('the grid is capped (default 200 runs) with a clear error; sweep ids must be plain names', () => {
  assert.equal(MAX_SWEEP_RUNS, 200);
  const axes = parseSweepGrid(`seed=${[...Array(15).keys()].join(',')}; optimizer.lr=${[...Array(14).keys()].map((i) => (i + 1) / 1000).join(',')}`);
  assert.equal(sweepSize(axes), 210);
  assert.match(configError(() => expandSweep(BASE, axes, { sweepId: 's' })).message, /expands to 210 runs \(15 x 14\); a sweep may have at most 200/);
  assert.equal(expandSweep(BASE, parseSweepGrid('seed=1,2,3'), { sweepId: 's', maxRuns: 3 }).length, 3);
  assert.throws(() => expandSweep(BASE, parseSweepGrid('seed=1,2,3,4'), { sweepId: 's', maxRuns: 3 }), /at most 3/);
  assert.throws(() => expandSweep(BASE, parseSweepGrid('seed=1'), { sweepId: '../x' }), /plain name/);
});
