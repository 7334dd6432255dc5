/**
 * Issue 16: the scaffolded configs must finish when a user shortens them. The layerwise preset's
 * scaffolded lr used to be 0.01 (tuned for the demo's 20,000 steps), and `--steps 5000` / `--steps 3000`
 * tripped the explosion guard (steps 1,243 and 1,670, measured; docs/heldout.md). Real CLI runs of
 * that config at both budgets: exit 0, status finished, final eval loss below the start.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { readRunFolderSync } from '../../runtime/run/run-reader';
import { tempDir } from './helpers';

const CLI = path.resolve(__dirname, '../../dist/cli.js');

test('the scaffolded layerwise preset finishes the demo shortened to 5,000 and 3,000 steps, and learns', () => {
  const ws = path.join(tempDir('scaffold-short'), 'ws');
  assert.equal(spawnSync(process.execPath, [CLI, 'scaffold', ws]).status, 0);
  for (const file of ['helene-recommended.helene.json']) {
    for (const steps of [5000, 3000]) {
      const runsDir = path.join(ws, `runs-${steps}`);
      const id = `${file.replace('.helene.json', '')}-${steps}`;
      const r = spawnSync(process.execPath, [CLI, 'train', '--config', path.join(ws, file), '--steps', String(steps), '--run-id', id, '--quiet', '--runs-dir', runsDir], { encoding: 'utf8', timeout: 120_000 });
      assert.equal(r.status, 0, `${file} at ${steps} steps: ${r.stdout}${r.stderr}`);
      const run = readRunFolderSync(path.join(runsDir, id));
      assert.equal(run.status?.state, 'finished', `${file} at ${steps} steps`);
      const evals = run.records.filter((x) => x.kind === 'eval') as { loss: number }[];
      assert.ok(evals.length >= 2 && evals.at(-1)!.loss < evals[0].loss, `${file} at ${steps} steps: eval loss ${evals[0]?.loss} -> ${evals.at(-1)?.loss}`);
    }
  }
});
