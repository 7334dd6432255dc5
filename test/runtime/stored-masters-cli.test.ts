/**
 * model.masterWeights "stored" through the CLI on the float16 / bfloat16 fixtures: after every step
 * the trained weights are values of the stored type, a resume from a middle checkpoint ends bit for
 * bit where the uninterrupted run ended, and export writes exactly those values (no second rounding).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { readModel } from '../../runtime/onnx/model-io';
import { bfloat16ToFloat, floatToBfloat16, floatToHalf, halfToFloat, decode16 } from '../../runtime/onnx/half-precision';
import { decodeCheckpoint, checkpointFile } from '../../runtime/run/checkpoint';
import { tempDir } from './helpers';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
const LM = path.resolve(__dirname, '../fixtures/lm');

const thetas = (runDir: string, step: number) => {
  const file = checkpointFile(runDir, step);
  return [...decodeCheckpoint(fs.readFileSync(file), file).tensors].filter(([k]) => k.startsWith('theta/'));
};

for (const [name, bfloat] of [['kv-llama-fp16', false], ['kv-llama-bf16', true]] as const) {
  const exact = bfloat ? (v: number) => bfloat16ToFloat(floatToBfloat16(v)) : (v: number) => halfToFloat(floatToHalf(v));

  test(`${name}: stored masters (stochastic) stay ${bfloat ? 'bfloat16' : 'float16'} values, resume bit-exact, export without a second rounding`, () => {
    const work = tempDir(`${name}-stored-`);
    const train = (id: string) =>
      spawnSync(process.execPath, [CLI, 'train', '--config', path.join(LM, name, 'finetune.json'), '--runs-dir', work, '--run-id', id, '--threads', '1', '--steps', '8', '--set', 'evalEvery=4', '--set', 'checkpoint.every=4', '--set', 'checkpoint.keep=5', '--set', 'optimizer.lr=0.001', '--set', 'model.masterWeights=stored', '--set', 'model.storedRounding=stochastic', '--quiet'], { encoding: 'utf8', timeout: 120_000 });
    for (const id of ['a', 'b']) {
      const r = train(id);
      assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    }
    const a = path.join(work, 'a');
    const start = thetas(a, 4);
    const end = thetas(a, 8);
    let moved = 0;
    for (const [i, [key, values]] of end.entries()) {
      values.forEach((v, j) => assert.equal(v, exact(v), `${key}[${j}] = ${v} is not a stored-type value`));
      values.forEach((v, j) => (moved += v !== start[i][1][j] ? 1 : 0));
    }
    assert.ok(moved > 0, 'training changed the weights');

    // b: resumed from its step-4 checkpoint, it must end exactly where a ended.
    const b = path.join(work, 'b');
    const resumed = spawnSync(process.execPath, [CLI, 'resume', b, '--from-step', '4', '--quiet'], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.deepEqual(thetas(b, 8), end);

    const out = path.join(work, 'export', 'model.onnx');
    const exp = spawnSync(process.execPath, [CLI, 'export', a, '--out', out], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(exp.status, 0, exp.stderr);
    const exported = new Map(readModel(out).graph.initializer.map((t) => [t.name ?? '', t]));
    for (const [key, values] of end) {
      const tensor = exported.get(key.slice('theta/'.length))!;
      const decoded = new Float32Array(values.length);
      decode16(tensor.raw_data!, decoded, 0, bfloat);
      assert.deepEqual(decoded, values, `${key}: the export holds the trained values exactly`);
    }
  });
}

// Found by a new-user pass: this conflict used to print "(an internal error; run with --debug ...)".
test('kv-llama-fp16: masterWeights "stored" with engine.resident is refused as a config error, one line, no run folder', () => {
  const work = tempDir('stored-resident-');
  const r = spawnSync(process.execPath, [CLI, 'train', '--config', path.join(LM, 'kv-llama-fp16', 'finetune.json'), '--runs-dir', work, '--run-id', 'r', '--threads', '1', '--steps', '4', '--set', 'model.masterWeights=stored', '--set', 'engine.resident=true', '--quiet'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 1, `${r.stdout}\n${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.match(lines[0], /^error: invalid run configuration/);
  assert.match(r.stderr, /model\.masterWeights: .*does not run with engine\.resident/);
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
  assert.ok(!fs.existsSync(path.join(work, 'r', 'checkpoints')), 'no checkpoint was written');
});
