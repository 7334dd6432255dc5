/**
 * The "done" check for divergence guards: the demo's HELENE configs run from the CLI with
 * a learning rate 10x their tuned value stop on their own, early, with a message that names the step
 * and the loss and suggests an lr; the run folder says failed, holds the guard event, and its
 * checkpoint holds only finite numbers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { readRunFolderSync } from '../../runtime/run/run-reader';
import { loadLatestCheckpoint } from '../../runtime/run/checkpoint';
import { tempDir } from './helpers';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
const STEPS = 20_000;

const workspace = (() => {
  let dir: string | null = null;
  return () => {
    if (!dir) {
      dir = path.join(tempDir('lr-high'), 'ws');
      assert.equal(spawnSync(process.execPath, [CLI, 'scaffold', dir]).status, 0);
    }
    return dir;
  };
})();

// [config, its tuned lr, the multiple that is too high]. Since issue 16 (every block perturbed at
// least every 2 N steps, curvatureFloor 0.1) the preset finishes the demo at lr 0.1 (measured) and
// stops early at 0.3; its scaffolded lr is 0.003 (it must also finish runs shortened to 3,000 steps).
for (const [file, tunedLr, factor] of [
  ['helene.helene.json', 0.003, 10],
  ['helene-recommended.helene.json', 0.003, 100],
] as const) {
  test(`${file} at ${factor}x its tuned lr stops early with a message that says what to do`, () => {
    const ws = workspace();
    const lr = Number((factor * tunedLr).toPrecision(6));
    const r = spawnSync(process.execPath, [CLI, 'train', '--config', path.join(ws, file), '--lr', String(lr), '--steps', String(STEPS), '--run-id', 'too-high', '--quiet', '--runs-dir', path.join(ws, `runs-${file}`)], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    const m = /error: step (\d+): loss ([\d.]+) is [\d.]+x its lowest running median .*the learning rate is too high; the run stopped before the update\. Try optimizer\.lr = ([\d.e-]+) \(10x lower than ([\d.e-]+)\)/.exec(r.stderr);
    assert.ok(m, `guard message:\n${r.stderr}`);
    const step = Number(m[1]);
    assert.ok(step < STEPS / 10, `stopped at step ${step}, early`);
    assert.equal(Number(m[3]), Number((lr / 10).toPrecision(6)), 'the suggestion is 10x lower');
    assert.equal(Number(m[4]), lr);

    const runDir = path.join(ws, `runs-${file}`, 'too-high');
    const run = readRunFolderSync(runDir);
    assert.equal(run.status?.state, 'failed');
    assert.match(run.status?.error ?? '', new RegExp(`^step ${step}: `));
    const guard = run.records.find((x) => x.kind === 'event' && x.event === 'guard');
    assert.ok(guard && guard.t === step, 'a guard event at that step in metrics.jsonl');
    assert.equal((guard as { data?: Record<string, unknown> }).data?.guard, 'loss-explosion');
    const ckpt = loadLatestCheckpoint(runDir)!;
    assert.ok(ckpt.data.counters.step < step, 'the checkpoint is the last good state');
    for (const [name, t] of ckpt.data.tensors) assert.ok(t.every(Number.isFinite), `${name} finite`);
  });
}
