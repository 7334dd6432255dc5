/**
 * Smoke test of `npm run bench`: the quick mode on the tiny models runs end to end and writes JSON
 * of the documented shape. Timings are deliberately not asserted (shared, noisy machines).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

test('bench --quick runs on the tiny models and writes throughput and memory JSON', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-smoke-'));
  const out = path.join(dir, 'bench.json');
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/main.ts', '--quick', '--models', 'mlp-tiny,transformer-tiny', '--optimizers', 'mezo,helene,hizoo,fzoo', '--rounds', '1', '--steps', '1', '--out', out], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /\| optimizer\s+\|/);
    const json = JSON.parse(fs.readFileSync(out, 'utf8'));
    assert.equal(json.kind, 'helene-studio-bench');
    assert.equal(json.quick, true);
    assert.equal(typeof json.machine.cores, 'number');
    assert.deepEqual(json.throughput.map((m: { model: string }) => m.model), ['mlp-tiny', 'transformer-tiny']);
    for (const model of json.throughput) {
      assert.equal(model.provider, 'cpu');
      assert.ok(model.parameters > 0);
      assert.deepEqual(model.results.map((x: { optimizer: string }) => x.optimizer), ['mezo', 'helene', 'hizoo', 'fzoo']);
      for (const x of model.results) {
        for (const k of ['forwardMs', 'rngMs', 'optimizerMs', 'dataMs', 'totalMs']) assert.equal(typeof x.median[k], 'number', k);
        for (const k of ['statsMs', 'stepsPerSecond', 'referenceTwoForwardsMs', 'ratioToTwoForwards', 'forwardPassRatio', 'statsStepRatio']) assert.equal(typeof x[k], 'number', k);
        assert.ok(x.steps >= 1);
        assert.equal(x.forwardPassesPerStep, { mezo: 2, helene: 2, hizoo: 3, fzoo: 9 }[x.optimizer as string]);
      }
    }
    assert.equal(json.memory.length, 1);
    assert.equal(json.memory[0].model, 'mlp-tiny');
    assert.ok(json.memory[0].inferencePeakMB > 0);
    assert.deepEqual(json.memory[0].runs.map((x: { optimizer: string }) => x.optimizer), ['mezo', 'helene']);
    for (const x of json.memory[0].runs) for (const k of ['peakMB', 'overheadMB', 'idealMB', 'ratio']) assert.equal(typeof x[k], 'number', k);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
