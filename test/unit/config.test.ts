/** Run-configuration validation: defaults, every kind of mistake named with its key path, overrides. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, resolveConfig, schemaRows } from '../../runtime/protocol';
import { parseOverride } from '../../runtime/cli/config-file';

const minimal = { model: { path: 'm.onnx' }, data: { train: 't.jsonl' } };

function issuesOf(user: unknown): string[] {
  try {
    resolveConfig(user);
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    return e.issues.map((i) => `${i.path}: ${i.message}`);
  }
  assert.fail('expected a ConfigError');
}

test('a minimal config resolves with the spec defaults filled in', () => {
  const { config } = resolveConfig(minimal);
  assert.equal(config.optimizer.name, 'helene');
  assert.equal(config.optimizer.eps, 1e-3);
  assert.equal(config.optimizer.epsDen, 1e-8);
  assert.equal(config.optimizer.beta1, 0.9);
  assert.equal(config.optimizer.beta2, 0.99);
  assert.equal(config.optimizer.k, 10);
  assert.equal(config.optimizer.T, null, 'T = null means 10% of the steps');
  assert.equal(config.optimizer.gamma, 1);
  assert.equal(config.optimizer.kappa, 1);
  assert.equal(config.optimizer.lambdaMode, 'relative');
  assert.equal(config.optimizer.momentum, 'annealed');
  assert.equal(config.optimizer.hessian, 'per-example');
  assert.equal(config.optimizer.weightDecay, 0);
  assert.equal(config.engine.provider, 'auto');
  assert.equal(config.name, 'helene-m');
});

test('ZO-Adam gets its own beta2 default', () => {
  assert.equal(resolveConfig({ ...minimal, optimizer: { name: 'zo-adam' } }).config.optimizer.beta2, 0.999);
});

test('unknown keys are named with the closest valid key', () => {
  assert.deepEqual(issuesOf({ ...minimal, optimzer: {} }), ['optimzer: unknown key (did you mean "optimizer"?)']);
  assert.deepEqual(issuesOf({ ...minimal, optimizer: { kapa: 1 } }), ['optimizer.kapa: unknown key (did you mean "optimizer.kappa"?)']);
});

// Found by a new-user pass: "model.stateDtype: unknown key" did not say the key exists under optimizer.
test('a key of another section is named where it belongs', () => {
  assert.deepEqual(issuesOf({ ...minimal, model: { path: 'm', stateDtype: 'bfloat16' } }), ['model.stateDtype: unknown key here (did you mean "optimizer.stateDtype"?)']);
  assert.deepEqual(issuesOf({ ...minimal, optimizer: { masterWeights: 'stored' } }), ['optimizer.masterWeights: unknown key here (did you mean "model.masterWeights"?)']);
  assert.deepEqual(issuesOf({ ...minimal, optimizer: { lr: 0.1, zzz: 1 } }), ['optimizer.zzz: unknown key'], 'a key that is nowhere gets no hint');
});

test('hessianShape "row" on HELENE energy (no h) is a warning, not silence', () => {
  const w = (optimizer: object) => resolveConfig({ ...minimal, optimizer }).warnings.map((i) => `${i.path}: ${i.message}`);
  assert.deepEqual(w({ name: 'helene', variant: 'energy', hessianShape: 'row' }), ['optimizer.hessianShape: is not used by optimizer.variant "energy" (it keeps no curvature h; stateDtype still applies to its m)']);
  assert.deepEqual(w({ name: 'helene', variant: 'paper', hessianShape: 'row' }), []);
  assert.deepEqual(w({ name: 'helene', variant: 'energy', stateDtype: 'bfloat16' }), []);
});

test('wrong types, ranges, enums and missing required keys are all reported at once', () => {
  const issues = issuesOf({ model: {}, data: { train: 't', batchSize: 0 }, steps: 1.5, optimizer: { lr: -1, momentum: 'anealed', beta1: 2 } });
  assert.deepEqual(issues.sort(), [
    'data.batchSize: must be >= 1, got 0',
    'model.path: is required',
    'optimizer.beta1: must be <= 1, got 2',
    'optimizer.lr: must be > 0, got -1',
    'optimizer.momentum: must be one of annealed, ema; got "anealed" (did you mean "annealed"?)',
    'steps: expected an integer, got 1.5',
  ]);
});

test('invalid regexes and an empty explicit lambda map are rejected', () => {
  assert.deepEqual(issuesOf({ ...minimal, model: { path: 'm', trainable: ['(unclosed'] } }).length, 1);
  assert.match(issuesOf({ ...minimal, optimizer: { lambdaMode: 'explicit' } })[0], /lambdaMap: lambdaMode "explicit" needs/);
});

test('a HELENE-only key on a MeZO run is a warning, not an error', () => {
  const { warnings } = resolveConfig({ ...minimal, optimizer: { name: 'mezo', kappa: 2 } });
  assert.deepEqual(warnings.map((w) => w.path), ['optimizer.kappa']);
});

test('command-line overrides parse JSON values and nest dotted keys', () => {
  assert.deepEqual(parseOverride('optimizer.lr=0.01'), { optimizer: { lr: 0.01 } });
  assert.deepEqual(parseOverride('name=my run'), { name: 'my run' });
  assert.deepEqual(parseOverride('model.trainable=["^fc"]'), { model: { trainable: ['^fc'] } });
  assert.throws(() => parseOverride('novalue'), ConfigError);
});

test('the schema lists every documented key once', () => {
  const paths = schemaRows().map((r) => r.path);
  assert.equal(new Set(paths).size, paths.length);
  for (const p of ['optimizer.lambdaMap', 'optimizer.rho', 'engine.provider', 'data.badLines', 'optimizer.hessianRate']) assert.ok(paths.includes(p), p);
});
