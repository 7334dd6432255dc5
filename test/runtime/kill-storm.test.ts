/**
 * Real SIGKILLs at random moments, several in a row: a CLI run is killed k = 5 times (at seeded
 * random steps, at a random moment of start-up, once in the middle of a checkpoint write, caught by
 * freezing the process with SIGSTOP the instant its temp file appears, and once the instant a
 * checkpoint is renamed into place), in a seeded random order, resumed after
 * each kill, and must end exactly as an uninterrupted run: the same weights and optimizer state
 * bit for bit, the same metrics with no duplicate, missing or torn line, no temp file left.
 *
 * The seed is printed; HELENE_KILL_SEED=<n> replays the same plan (kill moments still depend on
 * timing, which is the point: every run of this test tries other moments).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRunFolderSync, readRunHeaderSync } from '../../runtime/run/run-reader';
import { CHECKPOINT_DIR, listCheckpoints } from '../../runtime/run/checkpoint';
import { comparable, demoWorkspace, latestCheckpointTensors, tempDir } from './helpers';
import { mulberry32 } from '../../runtime/onnx/seeded-prng';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
// Long enough that no kill can land after the run's end on a quiet machine (~3,000 demo steps a second
// there, metrics flushed every 200 ms): every target is at most 80 % of the way, 2,000 steps from the end.
const STEPS = 10000;
const SETTINGS = ['--steps', String(STEPS), '--set', 'checkpoint.every=200', '--set', 'checkpoint.keep=2', '--set', 'evalEvery=1000', '--set', 'statsEvery=500', '--quiet'];

type KillKind = 'step' | 'startup' | 'checkpoint-write' | 'after-checkpoint';

/** mulberry32 (runtime/onnx/seeded-prng.ts): a small seeded generator, reproducible from its seed. */
const rng = mulberry32;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

/** The newest step in metrics.jsonl, read from its tail (the file is being appended to). */
function lastStep(dir: string): number {
  let fd: number;
  try {
    fd = fs.openSync(path.join(dir, 'metrics.jsonl'), 'r');
  } catch {
    return 0;
  }
  try {
    const size = fs.fstatSync(fd).size;
    const buf = Buffer.alloc(Math.min(size, 64 * 1024));
    fs.readSync(fd, buf, 0, buf.length, size - buf.length);
    const steps = [...buf.toString('utf8').matchAll(/"kind":"step","t":(\d+)/g)];
    return steps.length ? Number(steps[steps.length - 1][1]) : 0;
  } finally {
    fs.closeSync(fd);
  }
}

function start(runs: string, dir: string): ChildProcess {
  const config = demoWorkspace().configs.helene;
  // A folder without run.json (killed during start-up) holds no run yet: start it again under its id.
  const args = fs.existsSync(path.join(dir, 'run.json'))
    ? [CLI, 'resume', dir, '--quiet']
    : [CLI, 'train', '--config', config, ...SETTINGS, '--runs-dir', runs, '--run-id', path.basename(dir)];
  return spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Kill once a step at or past `target` is in metrics.jsonl. */
async function killAtStep(child: ChildProcess, dir: string, target: number): Promise<string> {
  while (child.exitCode === null && lastStep(dir) < target) await sleep(2);
  child.kill('SIGKILL');
  return `at step ${lastStep(dir)} (aimed at ${target})`;
}

/**
 * Kill in the middle of a checkpoint write: on the temp file's creation (`at` = 'created': nothing
 * written yet) or on its first write (`at` = 'written': bytes in, not yet fsynced and renamed) the
 * process is frozen (SIGSTOP); if the temp file is still there, the write is mid-way and the kill
 * lands inside it; if it had already been renamed, the process goes on (SIGCONT) to the next one.
 */
async function killMidCheckpoint(child: ChildProcess, dir: string, at: 'created' | 'written'): Promise<string> {
  const ckptDir = path.join(dir, CHECKPOINT_DIR);
  while (child.exitCode === null && !fs.existsSync(ckptDir)) await sleep(2);
  let misses = 0;
  const hit = await new Promise<string | null>((resolve) => {
    const watcher = fs.watch(ckptDir, (type, name) => {
      if (!name || !name.endsWith('.tmp') || child.exitCode !== null || (at === 'written' && type !== 'change')) return;
      child.kill('SIGSTOP');
      if (fs.existsSync(path.join(ckptDir, name))) {
        child.kill('SIGKILL');
        watcher.close();
        resolve(name);
      } else {
        misses++;
        child.kill('SIGCONT');
      }
    });
    child.once('exit', () => {
      watcher.close();
      resolve(null);
    });
  });
  return hit ? `mid-write of ${hit} (${fs.statSync(path.join(ckptDir, hit)).size} bytes written; ${misses} writes finished before the freeze)` : 'the run ended before a write was caught';
}

/**
 * Kill the instant a checkpoint file appears (renamed into place): the moment where metric lines
 * still buffered in the process would be lost if they had not been made durable before the checkpoint.
 */
async function killAfterCheckpoint(child: ChildProcess, dir: string): Promise<string> {
  const ckptDir = path.join(dir, CHECKPOINT_DIR);
  while (child.exitCode === null && !fs.existsSync(ckptDir)) await sleep(2);
  const hit = await new Promise<string | null>((resolve) => {
    const watcher = fs.watch(ckptDir, (type, name) => {
      if (type !== 'rename' || !name || !/^step-\d+\.ckpt$/.test(name) || !fs.existsSync(path.join(ckptDir, name)) || child.exitCode !== null) return;
      child.kill('SIGKILL');
      watcher.close();
      resolve(name);
    });
    child.once('exit', () => {
      watcher.close();
      resolve(null);
    });
  });
  return hit ? `just after ${hit} was renamed into place (metrics.jsonl then ended at step ${lastStep(dir)})` : 'the run ended before a checkpoint appeared';
}

test('SIGKILL at random moments, 5 times in a row, each followed by resume, ends bit for bit as an uninterrupted run', { timeout: 240_000 }, async () => {
  const seed = Number(process.env.HELENE_KILL_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const random = rng(seed);
  const kinds: KillKind[] = ['step', 'step', 'startup', 'checkpoint-write', 'after-checkpoint'];
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j], kinds[i]];
  }
  // Step targets spread over the run, in order, so every kill lands before the run could finish.
  const targets = kinds.map((_, i) => Math.floor(((i + random()) / kinds.length) * STEPS * 0.8 + 50));
  const writeAt = random() < 0.5 ? 'created' : 'written';
  const plan = kinds.map((k, i) => (k === 'step' ? `step >= ${targets[i]}` : k === 'startup' ? `start-up + ${Math.floor(random() * 800)} ms` : k === 'after-checkpoint' ? 'just after a checkpoint' : `mid-checkpoint-write (temp file ${writeAt})`));
  console.log(`kill plan (HELENE_KILL_SEED=${seed}): ${plan.join(', ')}`);

  const runs = tempDir('kill-storm');
  const straight = spawnSync(process.execPath, [CLI, 'train', '--config', demoWorkspace().configs.helene, ...SETTINGS, '--runs-dir', runs, '--run-id', 'straight'], { encoding: 'utf8' });
  assert.equal(straight.status, 0, straight.stderr);

  const dir = path.join(runs, 'victim');
  const kills: string[] = [];
  for (let i = 0; i < kinds.length; i++) {
    const child = start(runs, dir);
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    let what: string;
    if (kinds[i] === 'step') what = await killAtStep(child, dir, targets[i]);
    else if (kinds[i] === 'checkpoint-write') what = await killMidCheckpoint(child, dir, writeAt);
    else if (kinds[i] === 'after-checkpoint') what = await killAfterCheckpoint(child, dir);
    else {
      // Up to the planned delay, but no later than the first new step on file: a fast start-up must not
      // let this kill drift to the end of the run.
      const until = Date.now() + Number(/\+ (\d+) ms/.exec(plan[i])![1]);
      const from = lastStep(dir);
      while (Date.now() < until && lastStep(dir) <= from) await sleep(2);
      child.kill('SIGKILL');
      what = `during start-up (last step ${lastStep(dir)})`;
    }
    await exited(child);
    assert.equal(child.exitCode, null, `kill ${i + 1} (${plan[i]}) came after the run ended: ${stderr}`);
    assert.equal(child.signalCode, 'SIGKILL');
    kills.push(`kill ${i + 1}: ${what}`);
    if (fs.existsSync(path.join(dir, 'run.json'))) {
      const state = readRunHeaderSync(dir).status?.state;
      assert.ok(state === undefined || state === 'interrupted' || state === 'starting', `after kill ${i + 1} the run reads ${state}`);
    }
  }
  console.log(kills.join('\n'));

  const final = spawnSync(process.execPath, [CLI, 'resume', dir, '--quiet'], { encoding: 'utf8' });
  assert.equal(final.status, 0, final.stderr);
  const a = readRunFolderSync(path.join(runs, 'straight'));
  const b = readRunFolderSync(dir);
  assert.equal(b.status?.state, 'finished');
  // Every line parses (no torn line anywhere), and the steps are 1..STEPS exactly once each.
  const lines = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').split('\n');
  assert.equal(lines.pop(), '', 'the file ends with a complete line');
  lines.forEach((l, i) => assert.doesNotThrow(() => JSON.parse(l), `line ${i + 1} is torn: ${l.slice(0, 80)}`));
  const steps = b.records.filter((r) => r.kind === 'step').map((r) => r.t);
  assert.deepEqual(steps, Array.from({ length: STEPS }, (_, i) => i + 1), 'no duplicate or missing step');
  assert.deepEqual(comparable(b.records), comparable(a.records), 'the same metrics, record for record');
  assert.deepEqual(latestCheckpointTensors(dir), latestCheckpointTensors(path.join(runs, 'straight')), 'the same weights and optimizer state, bit for bit');
  assert.equal(b.summary?.forwardPasses, a.summary?.forwardPasses);
  assert.equal(b.summary?.examples, a.summary?.examples);
  const debris = [dir, path.join(dir, CHECKPOINT_DIR)].flatMap((d) => fs.readdirSync(d).filter((f) => f.endsWith('.tmp') || f.endsWith('.cut')));
  assert.deepEqual(debris, [], 'no temp file survives');
  assert.deepEqual(listCheckpoints(dir).map((c) => c.step), [STEPS, STEPS - 200]);
});
