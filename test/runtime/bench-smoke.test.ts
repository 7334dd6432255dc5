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

test('bench --quick runs on the tiny models and writes throughput and memory JSON (a LoRA memory case included)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-smoke-'));
  const out = path.join(dir, 'bench.json');
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/main.ts', '--quick', '--models', 'mlp-tiny,transformer-tiny', '--optimizers', 'mezo,helene,hizoo,fzoo', '--rounds', '1', '--steps', '1', '--out', out], {
      encoding: 'utf8',
      // A hang guard, not a timing check: on a 2-core machine at load 10 the quick bench took over 120 s.
      timeout: 600_000,
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
    assert.deepEqual(json.memory.map((m: { model: string }) => m.model), ['mlp-tiny', 'transformer-tiny-lora8']);
    for (const m of json.memory) {
      assert.ok(m.inferencePeakMB > 0);
      assert.deepEqual(m.runs.map((x: { optimizer: string }) => x.optimizer), ['mezo', 'helene']);
      for (const x of m.runs) for (const k of ['peakMB', 'overheadMB', 'idealMB', 'ratio', 'fullModelIdealMB', 'ratioToFullModel']) assert.equal(typeof x[k], 'number', k);
    }
    // Issue 17's targets: the 1 M text encoder through the real Trainer next to plain forwards, and the
    // optimizer-work ratios of every size timed; PyTorch is never run by --quick.
    assert.match(r.stdout, /issue 17 targets/);
    assert.ok(json.encoder.parameters > 1e6 && json.encoder.parameters < 1.1e6, 'the ~1 M encoder');
    assert.equal(typeof json.encoder.ratioToLimit, 'number');
    assert.ok(json.encoder.rounds[0].meanWidth > 1 && json.encoder.rounds[0].meanWidth <= 64, 'text batches, padded per batch');
    assert.match(json.encoder.pytorch.skipped, /not requested/);
    const targets = json.targets.map((t: { what: string }) => t.what);
    assert.match(targets[0], /text encoder B16: steps\/s ÷ two-forward limit/);
    assert.deepEqual(targets.filter((t: string) => /optimizer work/.test(t)).map((t: string) => t.split(':')[0]), ['mlp-tiny', 'transformer-tiny']);
    const [full, lora] = json.memory;
    assert.equal(full.lora, null);
    assert.equal(full.baseParameters, full.parameters);
    // LoRA: only the adapters are trainable (rank 8 on qkv, attn_out, mlp_in, mlp_out of one D64 block: 8·16·64).
    assert.equal(lora.lora.rank, 8);
    assert.equal(lora.parameters, 8 * 16 * 64);
    assert.ok(lora.baseParameters > lora.parameters);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
