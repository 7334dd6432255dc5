/**
 * A real full disk (a tmpfs made by the test, filled with a filler file at the chosen moment so the
 * fault hits the write under test): during a checkpoint, during metrics, during summary.json and
 * status.json. Each time: the run ends "failed" with "disk full writing <path>: the last complete
 * checkpoint is step N", nothing torn is the newest state, a resume while still full is refused
 * with a clear message and no debris, and a resume after freeing space ends bit for bit where an
 * uninterrupted run ends.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Trainer } from '../../runtime/run/trainer';
import { readRunFolderSync } from '../../runtime/run/run-reader';
import { listCheckpoints, loadLatestCheckpoint } from '../../runtime/run/checkpoint';
import { DiskFaultError } from '../../runtime/run/disk-fault';
import type { MetricRecord, ResolvedConfig } from '../../runtime/protocol';
import { comparable, demoConfig, latestCheckpointTensors } from './helpers';
import { fillLeaving, mountTmpfs, pagesFor, PAGE, remountTmpfs } from './tmpfs';

const CLI = path.resolve(__dirname, '../../dist/cli.js');

const SETTINGS = ['steps=60', 'evalEvery=0', 'checkpoint.every=20', 'checkpoint.keep=2'];

function config(runsDir: string, runId: string, extra: string[] = []): ResolvedConfig {
  const c = demoConfig('helene', [...SETTINGS, ...extra, `output.runsDir=${JSON.stringify(runsDir)}`, `output.runId="${runId}"`]);
  c.data.eval = null;
  return c;
}

async function straightRun(runsDir: string, extra: string[]): Promise<string> {
  const trainer = await Trainer.create(config(runsDir, 'straight', extra));
  await trainer.run();
  await trainer.close();
  return trainer.runDir;
}

/**
 * Run on a fresh tmpfs; `whenFull(record, bytesSoFar, metricsOnDisk)` returns the bytes to leave
 * free (or null to go on) and the disk is filled right then. Returns what the fault left.
 */
async function runUntilFull(extra: string[], whenFull: (r: MetricRecord, serialized: number, onDisk: number, runDir: string) => number | null) {
  const fsys = mountTmpfs(2048);
  const runsDir = path.join(fsys.dir, 'runs');
  let filler: string | null = null;
  let serialized = 0;
  let runDir = '';
  let metricsAtFill = -1;
  let trainer: Trainer;
  try {
    trainer = await Trainer.create(config(runsDir, 'victim', extra), {
    record(r) {
      serialized += Buffer.byteLength(JSON.stringify(r) + '\n');
      if (filler || !runDir) return;
      const onDisk = fs.statSync(path.join(runDir, 'metrics.jsonl')).size;
      const leave = whenFull(r, serialized, onDisk, runDir);
      if (leave !== null) {
        metricsAtFill = onDisk;
        filler = fillLeaving(fsys.dir, leave);
      }
    },
    });
  } catch (e) {
    fsys.unmount();
    throw e;
  }
  runDir = trainer.runDir;
  let error: unknown = null;
  try {
    await trainer.run();
  } catch (e) {
    error = e;
  }
  await trainer.close();
  return { fsys, runDir, runsDir, error, filler: filler as string | null, metricsAtFill };
}

async function assertCleanFaultThenResume(
  outcome: Awaited<ReturnType<typeof runUntilFull>>,
  target: RegExp,
  lastCheckpoint: number,
  extra: string[],
): Promise<void> {
  const { fsys, runDir, runsDir, error, filler } = outcome;
  try {
    assert.ok(filler, 'the disk was filled');
    assert.ok(error instanceof DiskFaultError, `the run ends with a DiskFaultError, got ${error}`);
    const message = (error as Error).message;
    assert.match(message, target);
    assert.match(message, new RegExp(`the last complete checkpoint is step ${lastCheckpoint}`));
    const run = readRunFolderSync(runDir);
    assert.equal(run.status?.state, 'failed', 'status.json says failed');
    assert.equal(run.status?.error, message);
    const text = fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8');
    assert.ok(text.endsWith('\n'), 'no torn last metrics line');
    for (const line of text.trim().split('\n')) JSON.parse(line);
    assert.equal(loadLatestCheckpoint(runDir)?.data.counters.step, lastCheckpoint, 'the last complete checkpoint is intact');
    const left = fs.readdirSync(runDir).concat(fs.readdirSync(path.join(runDir, 'checkpoints')), fs.readdirSync(runsDir));
    assert.deepEqual(left.filter((f) => f.endsWith('.tmp') || f.startsWith('.helene-profile-')), [], 'no temp files or profile folders');

    // Still full: resume is refused at once, with what it needs, and changes nothing.
    const before = fs.readFileSync(path.join(runDir, 'metrics.jsonl'));
    await assert.rejects(Trainer.create(config(runsDir, 'victim', extra), {}, { resumeDir: runDir }), (e: Error) => e instanceof DiskFaultError && /^disk full: .* free; resuming needs/.test(e.message));
    assert.deepEqual(fs.readFileSync(path.join(runDir, 'metrics.jsonl')), before);
    assert.deepEqual(fs.readdirSync(runDir).filter((f) => f.startsWith('.helene-profile-')), []);

    // Space freed: resume continues bit for bit.
    fs.rmSync(filler!);
    const resumed = await Trainer.create(config(runsDir, 'victim', extra), {}, { resumeDir: runDir });
    const summary = await resumed.run();
    await resumed.close();
    assert.equal(summary.state, 'finished');
    const straight = await straightRun(path.join(path.dirname(fsys.dir), path.basename(fsys.dir) + '-straight'), extra);
    assert.deepEqual(comparable(readRunFolderSync(runDir).records), comparable(readRunFolderSync(straight).records), 'same metrics step for step');
    assert.deepEqual(latestCheckpointTensors(runDir), latestCheckpointTensors(straight), 'same weights and optimizer state');
  } finally {
    fsys.unmount();
  }
}

test('disk full during a checkpoint write: the short write is caught, the previous checkpoint is kept, resume is bit-exact', async () => {
  let ckptSize = 0;
  const outcome = await runUntilFull(['statsEvery=0'], (r, serialized, onDisk, runDir) => {
    if (r.kind !== 'step' || r.t !== 40) return null;
    ckptSize = fs.statSync(listCheckpoints(runDir)[0].file).size;
    assert.ok(ckptSize > PAGE, `a checkpoint spans several pages (${ckptSize} bytes)`);
    // Room for the pending metric lines and one page of the checkpoint: the kernel writes part.
    return pagesFor(onDisk, serialized - onDisk) * PAGE + PAGE;
  });
  await assertCleanFaultThenResume(outcome, /^disk full writing .*step-000000040\.ckpt: /, 20, ['statsEvery=0']);
});

test('disk full during a metrics append: the torn tail is cut back to the last complete line', async () => {
  let filledAt = 0;
  const outcome = await runUntilFull(['statsEvery=1', 'checkpoint.every=5'], (r, serialized, onDisk) => {
    // At a checkpoint step the next write is the metrics flush before the checkpoint; fill when that append needs a new page.
    if (r.kind !== 'step' || r.t % 5 !== 0 || r.t <= 20 || pagesFor(onDisk, serialized - onDisk) === 0) return null;
    filledAt = r.t;
    return 0;
  });
  const atFill = outcome.metricsAtFill;
  // The append wrote part of a page and failed; it was cut back, then (reserve freed) rewritten whole:
  // a torn piece left in place would make a later line unreadable (checked line by line below).
  assert.ok(atFill > 0 && filledAt > 0, 'the disk was filled at a checkpoint step');
  assert.ok(fs.statSync(path.join(outcome.runDir, 'metrics.jsonl')).size >= atFill, 'every line written before the fault is still there');
  await assertCleanFaultThenResume(outcome, /^disk full writing .*metrics\.jsonl: /, filledAt - 5, ['statsEvery=1', 'checkpoint.every=5']);
});

for (const target of ['summary.json', 'status.json'] as const) {
  test(`disk full writing ${target} at the end: failed with the final checkpoint named, resume completes the run`, async () => {
    const outcome = await runUntilFull(['statsEvery=0'], (r, serialized, onDisk) => {
      if (r.kind !== 'event' || r.event !== 'finished') return null;
      // Room for the "finished" line, plus (for status.json) one page for the summary.
      return pagesFor(onDisk, serialized - onDisk) * PAGE + (target === 'status.json' ? PAGE : 0);
    });
    await assertCleanFaultThenResume(outcome, new RegExp(`^disk full writing .*${target.replace('.', '\\.')}: `), 60, ['statsEvery=0']);
  });
}

/**
 * The issue's own shape through the real CLI: a pre-trained encoder (HELENE, ~2.4 MB checkpoints,
 * keep 2) on a tmpfs that holds two checkpoints but not a third beside them (the report used 25 MB
 * and ~11 MB checkpoints: the same ratio). Before the fix the run said "finished", exit 0, and left
 * only truncated checkpoints. Now: exit 1, the disk-full line said once, both kept checkpoints
 * complete, and after the space is grown the resumed run ends with the weights and optimizer state
 * of an uninterrupted run.
 */
test('through the CLI, checkpoints that do not fit: one error line, exit 1, the kept checkpoints complete, resume after more space is bit-exact', () => {
  const fixture = path.resolve(__dirname, '..', 'fixtures', 'lm', 'tiny-encoder');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-cli-full-'));
  const cfg = path.join(work, 'run.json');
  fs.writeFileSync(cfg, JSON.stringify({
    name: 'cli-disk-full', seed: 1, steps: 100, evalEvery: 0,
    model: { path: path.join(fixture, 'model.onnx'), task: 'classification', trainablePreset: 'all' },
    data: { train: path.join(fixture, 'train.jsonl'), labelNames: ['devil', 'jargon'], batchSize: 8, maxLength: 32 },
    optimizer: { name: 'helene', lr: 0.0003 },
    checkpoint: { every: 20, keep: 2 },
    engine: { provider: 'cpu' },
  }));
  const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  const fsys = mountTmpfs(5632);
  try {
    const failed = cli(['train', '--config', cfg, '--runs-dir', fsys.dir, '--run-id', 'r']);
    assert.equal(failed.status, 1, failed.stdout + failed.stderr);
    const lines = failed.stderr.split('\n').filter((l) => l.includes('disk full'));
    assert.equal(lines.length, 1, `the fault is said once:\n${failed.stderr}`);
    assert.match(lines[0], /^error: disk full writing .*step-0+60\.ckpt: the last complete checkpoint is step 40; free some space and run helene-studio resume /);
    const runDir = path.join(fsys.dir, 'r');
    assert.equal(readRunFolderSync(runDir).status?.state, 'failed');
    assert.deepEqual(listCheckpoints(runDir).map((c) => c.step).sort((a, b) => a - b), [20, 40]);
    assert.equal(loadLatestCheckpoint(runDir)?.data.counters.step, 40, 'the newest kept checkpoint reads back whole');

    remountTmpfs(fsys.dir, 20 * 1024);
    const resumed = cli(['resume', runDir]);
    assert.equal(resumed.status, 0, resumed.stderr);
    const straight = cli(['train', '--config', cfg, '--runs-dir', path.join(work, 'straight'), '--run-id', 'r']);
    assert.equal(straight.status, 0, straight.stderr);
    assert.deepEqual(latestCheckpointTensors(runDir), latestCheckpointTensors(path.join(work, 'straight', 'r')), 'same weights and optimizer state as an uninterrupted run');
  } finally {
    fsys.unmount();
    fs.rmSync(work, { recursive: true, force: true });
  }
});
