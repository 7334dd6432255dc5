/**
 * The Experiments host logic (runtime/runs/experiments-controller.ts) over real run folders: intents
 * reach the effects with run folders, the view state is remembered, a live run's change posts only
 * its row, a new parameter value posts a whole model, a deleted folder is a removed row.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import type { HostToExperiments } from '../../runtime/protocol';
import type { ExperimentsViewState } from '../../runtime/runs/experiment-rows';
import { RunFolderSource } from '../../runtime/runs/experiment-source';
import { ExperimentsController } from '../../runtime/runs/experiments-controller';
import { writeExperimentRuns } from '../../scripts/experiment-runs-fixture';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-exp-ctl-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function setup(name: string) {
  const runsDir = path.join(tmp, name);
  const runs = writeExperimentRuns(runsDir, { count: 6, steps: 60 });
  const posted: HostToExperiments[] = [];
  const calls: { kind: string; dirs: string[] }[] = [];
  let stored: ExperimentsViewState | undefined;
  const c = new ExperimentsController(
    [new RunFolderSource(runsDir)],
    {
      post: (m) => void posted.push(structuredClone(m)),
      compare: (dirs) => void calls.push({ kind: 'compare', dirs }),
      delete: (dirs) => void calls.push({ kind: 'delete', dirs }),
      openRun: (dir) => void calls.push({ kind: 'open', dirs: [dir] }),
    },
    { get: () => stored, set: (s) => void (stored = s) },
  );
  return { c, runs, runsDir, posted, calls, stored: () => stored };
}

test('intents: compare, delete and open reach the effects as run folders; target and baseline are remembered and re-pushed', async () => {
  const { c, runs, runsDir, posted, calls, stored } = setup('a');
  await c.handle({ type: 'ready' });
  assert.equal(posted[0].type, 'experiments-data');
  await c.handle({ type: 'compare', ids: [runs[0].id, runs[1].id] });
  await c.handle({ type: 'delete', ids: [runs[2].id] });
  await c.handle({ type: 'open-run', id: runs[3].id });
  assert.deepEqual(calls, [
    { kind: 'compare', dirs: [path.join(runsDir, runs[0].id), path.join(runsDir, runs[1].id)] },
    { kind: 'delete', dirs: [path.join(runsDir, runs[2].id)] },
    { kind: 'open', dirs: [path.join(runsDir, runs[3].id)] },
  ]);
  await c.handle({ type: 'set-baseline', id: runs[1].id });
  await c.handle({ type: 'set-target', target: { kind: 'baseline-best', metric: 'evalLoss' } });
  const last = posted.at(-1)!;
  assert.equal(last.type, 'experiments-data');
  if (last.type === 'experiments-data') {
    assert.equal(last.model.baselineId, runs[1].id);
    assert.deepEqual(last.model.rows.find((r) => r.id === runs[1].id)?.speedup, { passes: 1, wall: 1 });
  }
  await c.handle({ type: 'save-columns', columns: ['name', 'status'] });
  assert.deepEqual(stored(), { target: { kind: 'baseline-best', metric: 'evalLoss' }, baselineId: runs[1].id, columns: ['name', 'status'] });
  await c.handle({ type: 'delete', ids: [] });
  assert.match(c.rejected.at(-1)!, /delete\.ids/);
});

test('live: a run that progressed posts its row only; a new parameter value posts a whole model; a deleted folder is removed', async () => {
  const { c, runs, runsDir, posted } = setup('b');
  await c.handle({ type: 'ready' });
  const file = path.join(runsDir, runs[4].id, 'metrics.jsonl');
  fs.appendFileSync(file, JSON.stringify({ kind: 'step', t: 61, loss: 0.001, lr: 1e-3, forwardPasses: 1e6, examples: 1, wallMs: 1e6, timing: {}, examplesPerSec: 1 }) + '\n');
  await c.runsChanged([runs[4].id]);
  const live = posted.at(-1)!;
  assert.equal(live.type, 'rows-changed');
  if (live.type === 'rows-changed') {
    assert.deepEqual(live.rows.map((r) => r.id), [runs[4].id]);
    assert.equal(live.rows[0].metrics.trainLoss?.final, 0.001);
  }
  // Nothing changed: nothing posted.
  const n = posted.length;
  await c.runsChanged([runs[4].id]);
  assert.equal(posted.length, n);
  // A run with a new value of a shared parameter: the differing set changes → whole model.
  const manifestFile = path.join(runsDir, runs[5].id, 'run.json');
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  manifest.config.optimizer.eps = 0.5;
  fs.writeFileSync(manifestFile, JSON.stringify(manifest));
  await c.runsChanged([runs[5].id]);
  const whole = posted.at(-1)!;
  assert.equal(whole.type, 'experiments-data');
  if (whole.type === 'experiments-data') assert.ok(whole.model.differingParams.includes('optimizer.eps'));
  fs.rmSync(path.join(runsDir, runs[0].id), { recursive: true });
  await c.runsChanged([runs[0].id]);
  const gone = posted.at(-1)!;
  assert.deepEqual(gone.type === 'rows-changed' ? gone.removed : null, [runs[0].id]);
});
