/**
 * The headless CLI as a user runs it (the built dist/cli.js): clear errors for bad input with no
 * run folder left behind, Ctrl-C stopping cleanly with a valid run folder, and the help text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRunFolderSync } from '../../runtime/run/run-reader';
import { demoWorkspace, tempDir } from './helpers';

const CLI = path.resolve(__dirname, '../../dist/cli.js');

test('the CLI bundle exists (npm test builds it first)', () => {
  assert.ok(fs.existsSync(CLI), `${CLI} missing: run npm run build`);
});

test('--help lists the commands and options', () => {
  const r = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0);
  assert.match(r.stdout, /helene-studio train --config <run\.json>/);
  assert.match(r.stdout, /--set <key=value>/);
});

test('a config typo fails with the key path and a suggestion, and creates no run folder', () => {
  const runs = tempDir('typo-runs');
  const r = spawnSync(process.execPath, [CLI, 'train', '--config', demoWorkspace().configs.mezo, '--set', 'optimizer.lrr=0.1', '--set', 'steps="ten"', '--runs-dir', runs], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /optimizer\.lrr: unknown key \(did you mean "optimizer\.lr"\?\)/);
  assert.match(r.stderr, /steps: expected a number, got the string "ten"/);
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, 'no stack trace for bad input');
  assert.deepEqual(fs.readdirSync(runs), []);
});

test('a model file that is not ONNX fails naming the file', () => {
  const dir = tempDir('broken-model');
  fs.writeFileSync(path.join(dir, 'broken.onnx'), 'this is not protobuf');
  const cfg = path.join(dir, 'run.json');
  fs.writeFileSync(cfg, JSON.stringify({ model: { path: 'broken.onnx' }, data: { train: demoWorkspace().train } }));
  const r = spawnSync(process.execPath, [CLI, 'train', '--config', cfg, '--quiet'], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /broken\.onnx/);
});

test('the summary line gives training forward passes and evaluation passes apart, and the automatic choices', () => {
  const runs = tempDir('passes-runs');
  const r = spawnSync(
    process.execPath,
    [CLI, 'train', '--config', demoWorkspace().configs.helene, '--steps', '40', '--runs-dir', runs, '--run-id', 'passes', '--set', 'evalEvery=20', '--set', 'optimizer.variant="layerwise"', '--set', 'optimizer.blocks="auto"'],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  const run = readRunFolderSync(path.join(runs, 'passes'));
  const evals = run.records.filter((x) => x.kind === 'eval');
  // Every evaluation costs the same number of eval-set batches; the first one (t = 0) runs before any step.
  const perEval = (evals[0] as { forwardPasses: number }).forwardPasses;
  assert.ok(perEval > 0 && evals.length === 3);
  assert.deepEqual([run.summary?.trainingPasses, run.summary?.evalPasses], [80, 3 * perEval]);
  assert.match(r.stdout, new RegExp(`finished: 40 steps, 80 training forward passes \\+ ${3 * perEval} evaluation passes,`));
  assert.match(r.stdout, /automatic: optimizer\.blocks auto -> layer \(the smallest row block/);
});

test('Ctrl-C (SIGINT) stops at a step boundary, exits 0 and leaves a valid, complete run folder', async () => {
  const runs = tempDir('sigint-runs');
  const child = spawn(process.execPath, [CLI, 'train', '--config', demoWorkspace().configs.helene, '--steps', '1000000', '--runs-dir', runs, '--run-id', 'interrupted'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  // Wait until steps are being written, then interrupt.
  const metrics = path.join(runs, 'interrupted', 'metrics.jsonl');
  for (let i = 0; i < 200 && !(fs.existsSync(metrics) && fs.statSync(metrics).size > 2000); i++) await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 0, out);
  const run = readRunFolderSync(path.join(runs, 'interrupted'));
  assert.equal(run.status?.state, 'stopped');
  assert.equal(run.summary?.state, 'stopped');
  const steps = run.records.filter((r) => r.kind === 'step');
  assert.ok(steps.length > 0 && steps.length === run.summary?.steps, 'every step up to the stop is in metrics.jsonl');
  assert.match(out, /stopped:/);
  assert.ok(!fs.existsSync(path.join(runs, 'interrupted', 'run.lock')));
});

test('doctor says plainly that this machine has no usable CUDA and why, and that CPU works', { skip: process.env.HELENE_EXPECT_CUDA === '1' }, () => {
  const text = spawnSync(process.execPath, [CLI, 'doctor'], { encoding: 'utf8' });
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /CPU provider: works\./);
  assert.match(text.stdout, /CUDA provider: not usable \(.*Failed to load shared library\)/);
  assert.match(text.stdout, /npm run install:cuda/);
  // WebGPU is bundled but needs Vulkan, which this machine lacks: the reason and the fix. Without a loader it
  // is not tried (Dawn would print native lines to stderr that read like a crash); with one, onnxruntime's error.
  const json = JSON.parse(spawnSync(process.execPath, [CLI, 'doctor', '--json'], { encoding: 'utf8' }).stdout);
  if (json.vulkan.loader.length === 0) {
    assert.match(text.stdout, /WebGPU provider: not usable \(not tried: the Vulkan loader libvulkan\.so\.1 is not on the library path\)\./);
    assert.doesNotMatch(text.stderr, /Vulkan|dawn/i, 'no native Dawn lines on stderr');
  } else assert.match(text.stdout, /WebGPU provider: not usable \(Failed to get a WebGPU adapter: No supported adapters\)\./);
  assert.match(text.stdout, /apt install libvulkan1/);
  assert.equal(json.cpuWorks, true);
  assert.equal(json.cudaWorks, false);
  assert.equal(json.webgpuWorks, false);
  // This machine has no Vulkan loader (a CI image with libvulkan1 but no GPU gets the driver line instead).
  if (json.vulkan.loader.length === 0) assert.match(text.stdout, /\n  The Vulkan loader libvulkan\.so\.1 is not on the library path\.\n/);
  assert.deepEqual(json.probe.missingProviderLibraries, ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so']);
});

test('scaffold writes a demo workspace that trains from the CLI, and refuses a non-empty folder', () => {
  const dir = path.join(tempDir('scaffold'), 'demo');
  const made = spawnSync(process.execPath, [CLI, 'scaffold', dir], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  for (const f of ['demo-mlp.onnx', 'train.jsonl', 'eval.jsonl', 'helene.helene.json', 'mezo.helene.json', 'README.md']) assert.ok(fs.existsSync(path.join(dir, f)), f);
  const again = spawnSync(process.execPath, [CLI, 'scaffold', dir], { encoding: 'utf8' });
  assert.equal(again.status, 1);
  // One line naming the folder: it is not a run configuration, so it must not read like one.
  assert.equal(again.stderr, `error: ${dir} is not empty; choose an empty or new folder (nothing was written)\n`);
  const file = path.join(tempDir('scaffold-file'), 'a-file');
  fs.writeFileSync(file, 'x');
  const onFile = spawnSync(process.execPath, [CLI, 'scaffold', file], { encoding: 'utf8' });
  assert.equal(onFile.status, 1);
  assert.equal(onFile.stderr, `error: ${file} is a file, not a folder; choose an empty or new folder (nothing was written)\n`);
  const bare = spawnSync(process.execPath, [CLI, 'scaffold'], { encoding: 'utf8' });
  assert.equal(bare.status, 1);
  assert.equal(bare.stderr, 'error: usage: helene-studio scaffold <empty folder>\n');
  const run = spawnSync(process.execPath, [CLI, 'train', '--config', path.join(dir, 'helene.helene.json'), '--steps', '200', '--quiet'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const runs = fs.readdirSync(path.join(dir, 'runs'));
  assert.equal(runs.length, 1);
  assert.equal(readRunFolderSync(path.join(dir, 'runs', runs[0])).summary?.state, 'finished');
});
