/**
 * HELENE's state-storage options through the real CLI (issue 18 item 4): a run with bfloat16 m and h
 * and/or per-row h checkpoints the stored type as is, and `resume --from-step` of an older checkpoint
 * regenerates the rest of the run bit for bit (metrics, weights and optimizer state).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { readRunFolderSync } from '../../runtime/run/run-reader';
import { loadCheckpointAt } from '../../runtime/run/checkpoint';
import { comparable, latestCheckpointTensors, tempDir } from './helpers';

const CLI = path.resolve(__dirname, '../../dist/cli.js');

const ws = (() => {
  let dir: string | null = null;
  return () => {
    if (!dir) {
      dir = path.join(tempDir('state-storage'), 'ws');
      assert.equal(spawnSync(process.execPath, [CLI, 'scaffold', dir]).status, 0);
    }
    return dir;
  };
})();

function cli(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args, '--quiet'], { encoding: 'utf8', timeout: 120_000 });
}

// The demo MLP's weights are [24, 16] and [16, 4] (rank 2) with biases [16] and [4].
for (const [label, sets] of [
  ['bfloat16 state', ['optimizer.stateDtype=bfloat16']],
  ['per-row h', ['optimizer.hessianShape=row']],
  ['bfloat16 state and per-row h', ['optimizer.stateDtype=bfloat16', 'optimizer.hessianShape=row']],
] as const) {
  test(`HELENE with ${label}: checkpoints keep the stored type and resume --from-step is bit-exact`, () => {
    const runs = path.join(ws(), 'runs');
    const id = label.replace(/\W+/g, '-');
    const r = cli([
      'train', '--config', path.join(ws(), 'helene.helene.json'), '--steps', '30', '--set', 'optimizer.k=3', ...sets.flatMap((s) => ['--set', s]),
      '--set', 'checkpoint.every=5', '--set', 'checkpoint.keep=100', '--set', 'evalEvery=10', '--set', 'statsEvery=5', '--run-id', id, '--runs-dir', runs,
    ]);
    assert.equal(r.status, 0, r.stderr);
    const dir = path.join(runs, id);
    const straight = comparable(readRunFolderSync(dir).records);
    const finalTensors = latestCheckpointTensors(dir);

    const saved = loadCheckpointAt(dir, 10)!.data.tensors;
    const bf16 = sets.some((s) => s.includes('bfloat16'));
    const row = sets.some((s) => s.includes('row'));
    for (const key of ['m', 'h']) {
      const t = saved.get(`${key}/0`)!;
      assert.equal(t instanceof Uint16Array, bf16, `${key} of the [24, 16] weight is stored as ${bf16 ? 'bfloat16 bits' : 'float32'}`);
      assert.equal(t.length, key === 'h' && row ? 24 : 24 * 16, `${key} has ${key === 'h' && row ? 'one value per row' : 'one value per element'}`);
    }
    assert.equal(saved.get('h/1')!.length, 16, 'a bias keeps one h per element');
    assert.ok(saved.get('h/0')!.some((v) => v !== 0), 'h holds curvature by step 10');

    const resumed = cli(['resume', dir, '--from-step', '10']);
    assert.equal(resumed.status, 0, resumed.stderr);
    const again = readRunFolderSync(dir);
    assert.ok(again.records.some((x) => x.kind === 'event' && x.event === 'resumed' && x.t === 10));
    assert.deepEqual(comparable(again.records), straight, 'records after step 10 regenerated bit for bit');
    assert.deepEqual(latestCheckpointTensors(dir), finalTensors, 'weights and stored optimizer state at step 30, bit for bit');
  });
}
