/**
 * Bad input through the real CLI (dist/cli.js): each case prints exactly one `error:` line naming
 * what and where, never a stack trace; --debug shows the trace.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { demoWorkspace, tempDir } from './helpers';

const CLI = path.resolve(__dirname, '../../dist/cli.js');

function cli(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
}

function assertOneErrorLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.split('\n').filter((l) => l.startsWith('error:'));
  assert.equal(lines.length, 1, stderr);
  assert.doesNotMatch(stderr, /\n {4}at /, 'no stack trace for bad input');
  assert.match(stderr, pattern);
}

test('an unknown flag names it and suggests the closest one', () => {
  const r = cli(['train', '--config', demoWorkspace().configs.mezo, '--stpes', '5']);
  assert.equal(r.status, 1);
  assertOneErrorLine(r.stderr, /^error: unknown flag --stpes \(did you mean --steps\?\)/);
});

test('--steps -5 says the flag needs a value written as --steps=<value>', () => {
  const r = cli(['train', '--config', demoWorkspace().configs.mezo, '--steps', '-5']);
  assert.equal(r.status, 1);
  assertOneErrorLine(r.stderr, /--steps needs a value.*--steps=-5/);
});

test('--debug shows the stack trace of the same error', () => {
  const r = cli(['train', '--stpes', '5', '--debug']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /\n {4}at /);
});

test('lr 1e309 is named as a non-finite number with its key path', () => {
  const dir = tempDir('inf-lr');
  const cfg = path.join(dir, 'run.json');
  fs.writeFileSync(cfg, '{"model":{"path":"m.onnx"},"data":{"train":"t.jsonl"},"optimizer":{"lr":1e309}}');
  const r = cli(['train', '--config', cfg]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /optimizer\.lr: expected a number, got Infinity \(a non-finite number/);
  assert.doesNotMatch(r.stderr, /got number null/);
});

test('a config that is a JSON array says it must be an object', () => {
  const dir = tempDir('array-cfg');
  const cfg = path.join(dir, 'run.json');
  fs.writeFileSync(cfg, '[{"steps": 5}]');
  const r = cli(['train', '--config', cfg, '--steps', '3']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /the config must be a JSON object, got an array/);
  assert.doesNotMatch(r.stderr, /0: unknown key/);
});

test('a folder given as the model is named as such, not as an internal error', () => {
  const dir = tempDir('model-dir');
  fs.mkdirSync(path.join(dir, 'model.onnx'));
  const r = cli(['train', '--config', demoWorkspace().configs.mezo, '--set', `model.path=${JSON.stringify(path.join(dir, 'model.onnx'))}`, '--steps', '5']);
  assert.equal(r.status, 1);
  assertOneErrorLine(r.stderr, /^error: .*model\.onnx is not a valid ONNX model: it is not a file$/m);
  assert.doesNotMatch(r.stderr, /internal error/);
});

test('a config key given twice is refused, naming the key and the line', () => {
  const dir = tempDir('dup-key');
  const base = JSON.parse(fs.readFileSync(demoWorkspace().configs.mezo, 'utf8'));
  const text = JSON.stringify(base, null, 2).replace(/\n(\s*)"seed": (\d+)/, '\n$1"seed": $2,\n$1"seed": 7');
  const file = path.join(dir, 'dup.helene.json');
  fs.writeFileSync(file, text);
  const r = cli(['train', '--config', file, '--steps', '5']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /seed: appears twice in one object \(line \d+\)/);
  assert.doesNotMatch(r.stderr, /\n {4}at /);
});

test('a data.fields key that names no input of the model (a typo) is refused, not ignored', () => {
  const dir = tempDir('unmatched-field');
  const demo = demoWorkspace();
  const base = JSON.parse(fs.readFileSync(demo.configs.mezo, 'utf8'));
  base.model.path = path.resolve(path.dirname(demo.configs.mezo), base.model.path);
  base.data.train = path.resolve(path.dirname(demo.configs.mezo), base.data.train);
  base.data.eval = null;
  // "x" and "labels" feed the model; "lables" was meant for something and would be dropped silently.
  base.data.fields = { x: 'x', labels: 'label', lables: 'label' };
  const file = path.join(dir, 'typo.helene.json');
  fs.writeFileSync(file, JSON.stringify(base));
  const runs = path.join(dir, 'runs');
  const r = cli(['train', '--config', file, '--steps', '5', '--runs-dir', runs]);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assertOneErrorLine(r.stderr, /^error: data\.fields\["lables"\] \(did you mean "labels"\?\) names no input of the model; its data inputs are "x", "labels"$/m);
  assert.ok(!fs.existsSync(runs) || fs.readdirSync(runs).length === 0, 'no run folder');
});
