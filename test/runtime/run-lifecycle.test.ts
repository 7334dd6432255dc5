/**
 * The run folder's lifecycle under real concurrency and real kills: generated ids never collide,
 * no `.helene-profile-*` or `.tmp` debris survives an error or a kill, and a run killed before its
 * first checkpoint can be resumed from step 0.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Trainer } from '../../runtime/run/trainer';
import { readRunFolderSync } from '../../runtime/run/run-reader';
import { CHECKPOINT_DIR, listCheckpoints } from '../../runtime/run/checkpoint';
import { DataError } from '../../runtime/data/jsonl';
import { demoConfig, demoWorkspace, tempDir } from './helpers';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
const exited = (child: ReturnType<typeof spawn>) => new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

test('8 runs started at once in one runs folder all start, each in its own folder', async () => {
  const runs = tempDir('ids');
  const config = demoWorkspace().configs.mezo;
  const children = Array.from({ length: 8 }, () => {
    const child = spawn(process.execPath, [CLI, 'train', '--config', config, '--steps', '5', '--runs-dir', runs, '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    return exited(child).then((code) => ({ code, stderr }));
  });
  const results = await Promise.all(children);
  assert.deepEqual(results.filter((r) => r.code !== 0), [], 'every run exits 0');
  const folders = fs.readdirSync(runs).filter((f) => !f.startsWith('.'));
  assert.equal(folders.length, 8, folders.join(', '));
  for (const f of folders) assert.equal(readRunFolderSync(path.join(runs, f)).status?.state, 'finished');
});

test('a data error leaves no .helene-profile-* folder behind', async () => {
  const config = demoConfig('mezo');
  const bad = path.join(tempDir('bad-data'), 'train.jsonl');
  fs.writeFileSync(bad, '{"x": [1, 2, 3, 4], "label": 0}\nnot json\n');
  config.data.train = bad;
  config.data.eval = null;
  await assert.rejects(Trainer.create(config), DataError);
  assert.deepEqual(fs.readdirSync(config.output.runsDir).filter((f) => f.startsWith('.helene-profile-')), []);
});

test('a temp file of a process killed mid-write is removed when the run folder is opened again', async () => {
  const config = demoConfig('mezo', ['steps=10', 'evalEvery=0', 'checkpoint.every=5', 'output.runId="tmp-debris"']);
  const first = await Trainer.create(config);
  await first.run();
  await first.close();
  const ckptDir = path.join(first.runDir, CHECKPOINT_DIR);
  // A real writer killed with SIGKILL in the middle of a large atomic write.
  const script = `require(${JSON.stringify(path.resolve(__dirname, '../../runtime/run/atomic-write.ts'))}).writeFileAtomic(${JSON.stringify(path.join(ckptDir, 'step-000000099.ckpt'))}, Buffer.alloc(1 << 30, 7))`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { stdio: 'ignore' });
  const tmp = () => fs.readdirSync(ckptDir).filter((f) => f.endsWith('.tmp'));
  for (let i = 0; i < 3000 && tmp().length === 0; i++) await new Promise((r) => setTimeout(r, 5));
  child.kill('SIGKILL');
  await exited(child);
  assert.equal(tmp().length, 1, 'the kill left a temp file mid-write');
  const resumed = await Trainer.create(config, {}, { resumeDir: first.runDir });
  await resumed.close();
  assert.deepEqual(tmp(), [], 'removed on reopen');
  assert.deepEqual(listCheckpoints(first.runDir).map((c) => c.step), [10, 5], 'real checkpoints untouched');
});

test('a run killed before its first checkpoint resumes from step 0 and ends as an uninterrupted run', async () => {
  const runs = tempDir('early-kill');
  const config = demoWorkspace().configs.mezo;
  const settings = ['--steps', '3000', '--set', 'checkpoint.every=100000', '--set', 'evalEvery=0', '--runs-dir', runs, '--quiet'];
  const straight = spawnSync(process.execPath, [CLI, 'train', '--config', config, ...settings, '--run-id', 'straight'], { encoding: 'utf8' });
  assert.equal(straight.status, 0, straight.stderr);
  const dir = path.join(runs, 'victim');
  const child = spawn(process.execPath, [CLI, 'train', '--config', config, ...settings, '--run-id', 'victim'], { stdio: 'ignore' });
  const steps = () => readRunFolderSync(dir).records.filter((r) => r.kind === 'step').length;
  for (let i = 0; i < 2000 && !(fs.existsSync(path.join(dir, 'metrics.jsonl')) && steps() > 10); i++) await new Promise((r) => setTimeout(r, 5));
  child.kill('SIGKILL');
  await exited(child);
  assert.equal(listCheckpoints(dir).length, 0, 'killed before any checkpoint');
  assert.equal(readRunFolderSync(dir).status?.state, 'interrupted');
  const resumed = spawnSync(process.execPath, [CLI, 'resume', dir, '--quiet'], { encoding: 'utf8' });
  assert.equal(resumed.status, 0, resumed.stderr);
  const strip = (d: string) => readRunFolderSync(d).records.filter((r) => r.kind === 'step').map((r) => (r.kind === 'step' ? [r.t, r.loss, r.lr] : null));
  assert.deepEqual(strip(dir), strip(path.join(runs, 'straight')), 'the same steps, bit for bit');
  assert.equal(readRunFolderSync(dir).status?.state, 'finished');
});

test('the id of a run killed before its first checkpoint can be used again: its files are moved aside, the new run starts; one with a checkpoint is refused with the resume command', async () => {
  const runs = tempDir('reuse-id');
  const config = demoWorkspace().configs.mezo;
  const settings = ['--steps', '3000', '--set', 'evalEvery=0', '--runs-dir', runs, '--run-id', 'exp1'];
  const dir = path.join(runs, 'exp1');
  // The first kill must land before any checkpoint: on a quiet machine the demo trains ~3,000 steps a second and
  // metrics reach the file in batches, so that run gets no checkpoint until far past where the kill lands.
  const killWhen = async (ready: () => boolean, checkpointEvery: number) => {
    const child = spawn(process.execPath, [CLI, 'train', '--config', config, ...settings, '--steps', '1000000', '--set', `checkpoint.every=${checkpointEvery}`, '--quiet'], { stdio: 'ignore' });
    for (let i = 0; i < 3000 && !ready(); i++) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    await exited(child);
  };
  const steps = (d: string) => readRunFolderSync(d).records.filter((r) => r.kind === 'step').length;
  await killWhen(() => fs.existsSync(path.join(dir, 'metrics.jsonl')) && steps(dir) > 10, 900000);
  assert.equal(listCheckpoints(dir).length, 0, 'killed before any checkpoint');
  const killedSteps = steps(dir);

  const again = spawnSync(process.execPath, [CLI, 'train', '--config', config, ...settings, '--set', 'checkpoint.every=1000'], { encoding: 'utf8' });
  assert.equal(again.status, 0, again.stderr);
  const asides = fs.readdirSync(runs).filter((f) => f.startsWith('exp1.interrupted-'));
  assert.equal(asides.length, 1, fs.readdirSync(runs).join(', '));
  const aside = path.join(runs, asides[0]);
  assert.match(again.stdout, new RegExp(`output\\.runId "exp1": the folder held a run killed before its first checkpoint \\(nothing to resume\\); its files were moved to ${aside.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} and this run starts afresh`));
  assert.equal(readRunFolderSync(dir).status?.state, 'finished');
  assert.equal(steps(dir), 3000, 'the new run owns the folder alone');
  // Nothing deleted: the killed run's files are in the aside folder, which reads as an interrupted run.
  const old = readRunFolderSync(aside);
  assert.equal(old.status?.state, 'interrupted');
  assert.equal(steps(aside), killedSteps);
  assert.ok(!fs.existsSync(path.join(aside, 'run.lock')) && !fs.existsSync(path.join(aside, '.disk-reserve')));

  // Killed after a checkpoint: there is something to resume, so the id is refused with the command.
  fs.rmSync(dir, { recursive: true });
  await killWhen(() => listCheckpoints(dir).length > 0, 1000);
  const before = fs.readFileSync(path.join(dir, 'metrics.jsonl'));
  const refused = spawnSync(process.execPath, [CLI, 'train', '--config', config, ...settings], { encoding: 'utf8' });
  assert.equal(refused.status, 1);
  assert.equal(
    refused.stderr.trim(),
    `error: run folder ${dir} holds an interrupted run with a checkpoint at step ${listCheckpoints(dir)[0].step}: continue it with helene-studio resume ${dir}, or choose another output.runId`,
  );
  assert.deepEqual(fs.readFileSync(path.join(dir, 'metrics.jsonl')), before, 'nothing changed');
  assert.ok(!fs.existsSync(path.join(dir, 'run.lock')), 'the refused run let go of the lock');
  assert.equal(fs.readdirSync(runs).filter((f) => f.startsWith('exp1.interrupted-')).length, 1, 'nothing moved');
});
