// The vscode-free input helpers behind the commands: hyperparameter pairs, the short form, config
// discovery and setting overrides.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { parseHyperparameterInput } from '../../extension/hyperparameter-input';
import { buildShortFormConfig, configName, fieldProblem, freeConfigFile, parseNumber } from '../../extension/short-form';
import { excludeGlob, inspectRunConfig } from '../../extension/config-discovery';
import { runsDirFor, settingOverrides } from '../../extension/run-overrides';
import { ConfigError } from '../../runtime/protocol';
import { parseOverride } from '../../runtime/cli/config-file';

test('hyperparameter input: pairs separated by spaces, commas or semicolons; null where allowed', () => {
  assert.deepEqual(parseHyperparameterInput('lr=0.0005 eps=1e-3, rho=null;k=5'), { ok: true, value: { lr: 0.0005, eps: 0.001, rho: null, k: 5 } });
});

test('hyperparameter input: clear reasons for bad input', () => {
  const reason = (s: string) => {
    const r = parseHyperparameterInput(s);
    assert.equal(r.ok, false, s);
    return (r as { reason: string }).reason;
  };
  assert.match(reason(''), /at least one/);
  assert.match(reason('lr'), /expected key=value/);
  assert.match(reason('lr=fast'), /not a number/);
  assert.match(reason('lr=1 lr=2'), /twice/);
  assert.match(reason('batchSize=4'), /cannot be changed during a run/);
  assert.match(reason('lr=0'), /lr must be > 0/);
  assert.match(reason('lr=null'), /finite number/);
});

test('short form: each field is checked by the config schema', () => {
  assert.equal(fieldProblem('optimizer.lr', 0.001), undefined);
  assert.match(fieldProblem('optimizer.lr', 0) ?? '', /must be > 0/);
  assert.match(fieldProblem('optimizer.lr', parseNumber('abc')) ?? '', /expected a number/);
  assert.match(fieldProblem('optimizer.lr', parseNumber('')) ?? '', /expected a number/);
  assert.equal(fieldProblem('steps', parseNumber(' 200 ')), undefined);
  assert.match(fieldProblem('steps', 2.5) ?? '', /integer/);
  assert.match(fieldProblem('steps', 0) ?? '', />= 1/);
});

test('short form: the config stores paths relative to its own folder and validates whole', () => {
  const root = path.resolve('/ws');
  const configDir = path.join(root, '.helene', 'configs');
  const answers = { modelPath: 'models/mlp.onnx', trainPath: 'data/train.jsonl', optimizer: 'helene' as const, lr: 0.003, steps: 200 };
  const user = buildShortFormConfig(answers, configDir, root);
  assert.deepEqual(user, {
    name: 'helene-mlp',
    steps: 200,
    model: { path: '../../models/mlp.onnx' },
    data: { train: '../../data/train.jsonl' },
    optimizer: { name: 'helene', lr: 0.003 },
  });
  assert.equal(buildShortFormConfig({ ...answers, modelPath: 'builtin:tiny' }, configDir, root).model?.path, 'builtin:tiny');
  assert.throws(() => buildShortFormConfig({ ...answers, lr: -1, steps: 0 }, configDir, root), (e: unknown) => e instanceof ConfigError && e.issues.length === 2);
});

test('short form: names and free file names', () => {
  assert.equal(configName({ optimizer: 'zo-adam', modelPath: 'My Models/GPT 2.onnx' }), 'zo-adam-gpt-2');
  const taken = new Set([path.join('/c', 'a.helene.json'), path.join('/c', 'a-2.helene.json')]);
  assert.equal(freeConfigFile('/c', 'a', (f) => taken.has(f)), path.join('/c', 'a-3.helene.json'));
});

test('config discovery: *.helene.json always, other JSON only with model and optimizer', () => {
  assert.deepEqual(inspectRunConfig('/w/a.json', '{"name":"x","model":{},"optimizer":{"name":"mezo"},"steps":10}'), { name: 'x', optimizer: 'mezo', steps: 10 });
  assert.equal(inspectRunConfig('/w/package.json', '{"name":"pkg","version":"1"}'), null);
  assert.equal(inspectRunConfig('/w/model.json', '{"model":{}}'), null);
  assert.equal(inspectRunConfig('/w/broken.json', '{'), null);
  assert.deepEqual(inspectRunConfig('/w/broken.helene.json', '{'), {}, 'a broken named config is offered so starting it shows the error');
  assert.equal(excludeGlob('runs'), '{**/node_modules/**,**/.git/**,**/dist/**,**/out/**,**/.vscode-test/**,**/runs/**}');
  assert.equal(excludeGlob('/abs/runs'), '{**/node_modules/**,**/.git/**,**/dist/**,**/out/**,**/.vscode-test/**}');
});

test('settings override a config only when set by the user, as CLI --set values', () => {
  assert.deepEqual(settingOverrides({ defaultRunsFolder: 'runs' }), []);
  const overrides = settingOverrides({ provider: 'cpu', threads: 4, statsInterval: 10, defaultRunsFolder: 'runs' });
  assert.deepEqual(overrides, ['engine.provider="cpu"', 'engine.threads=4', 'statsEvery=10']);
  assert.deepEqual(overrides.map(parseOverride), [{ engine: { provider: 'cpu' } }, { engine: { threads: 4 } }, { statsEvery: 10 }], 'the CLI parses them back');
});

test('runs folder: explicit setting > config output.runsDir > default under the workspace', () => {
  const ws = path.resolve('/ws');
  assert.equal(runsDirFor({ runsFolder: 'out/runs', defaultRunsFolder: 'out/runs' }, { output: { runsDir: 'r' } }, ws), path.join(ws, 'out', 'runs'));
  assert.equal(runsDirFor({ defaultRunsFolder: 'runs' }, { output: { runsDir: 'r' } }, ws), undefined);
  assert.equal(runsDirFor({ defaultRunsFolder: 'runs' }, {}, ws), path.join(ws, 'runs'));
});
