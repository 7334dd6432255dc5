/**
 * What the .vsix ships (issue "Ship it"): the staged package content, listed by vsce itself. Fails on
 * a missing runtime file, and on anything that should not ship (sources, tests, fixtures,
 * benchmarks, source maps, other platforms' binaries, dev dependencies).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const platformDir = `node_modules/onnxruntime-node/bin/napi-v6/${process.platform}/${process.arch}/`;

test('the package holds exactly what runs', () => {
  const r = spawnSync(process.execPath, ['scripts/package.mjs', '--skip-build', '--list'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const files = r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  const required = [
    'package.json',
    'README.md',
    'LICENSE',
    'CHANGELOG.md',
    'media/icon.png',
    'media/panel.css',
    'dist/extension.js',
    'dist/cli.js',
    'dist/kernel-worker.js',
    'dist/pass-worker.js',
    'dist/webview/panel.js',
    'dist/webview/compare.js',
    'node_modules/onnxruntime-node/package.json',
    'node_modules/onnxruntime-node/dist/index.js',
    'node_modules/onnxruntime-common/package.json',
    'node_modules/onnxruntime-common/dist/cjs/index.js',
    'node_modules/onnxruntime-common/dist/cjs/package.json',
  ];
  for (const f of required) assert.ok(files.includes(f), `missing from the package: ${f}`);
  assert.ok(files.some((f) => f.startsWith(platformDir) && f.endsWith('.node')), `no onnxruntime binding for ${process.platform}-${process.arch}`);
  const forbidden = files.filter(
    (f) =>
      /\.(ts|map)$/.test(f) ||
      /^(runtime|extension|webview|test|bench|scripts|docs|\.ci|out)\//.test(f) ||
      /^node_modules\/(?!onnxruntime-node\/|onnxruntime-common\/)/.test(f) ||
      (f.includes('/bin/napi-v6/') && !f.startsWith(platformDir)) ||
      /fixtures|\.onnx$|\.jsonl$/.test(f),
  );
  assert.deepEqual(forbidden, [], 'files that must not ship');
});

test('the installed extension (the staged .vsix content) tells how to add CUDA to itself: its own binding folder, the exact download, the CUDA/cuDNN versions; no npm script of a checkout', { skip: process.platform !== 'linux' || process.arch !== 'x64' || process.env.HELENE_EXPECT_CUDA === '1' }, () => {
  const stage = path.join(ROOT, 'out', `package-${process.platform}-${process.arch}`);
  // Stage afresh (never a stage left by an earlier build): what the .vsix would hold now.
  const staged = spawnSync(process.execPath, ['scripts/package.mjs', '--skip-build', '--list'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(staged.status, 0, staged.stderr);
  // Run the doctor exactly as "HELENE: Check GPU" does in an installed extension: the staged dist/cli.js.
  const r = spawnSync(process.execPath, [path.join(stage, 'dist', 'cli.js'), 'doctor', '--json'], { cwd: stage, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  const binding = path.join(stage, platformDir);
  assert.equal(path.resolve(report.probe.bindingDir) + '/', binding, 'the doctor names the installed extension\'s own binding folder');
  const steps = report.verdict.filter((l: string) => l.startsWith('    ')).map((l: string) => l.trim()).join('\n');
  assert.doesNotMatch(steps, /npm run install:cuda/, 'an installed .vsix has no npm scripts');
  const version = report.onnxruntime;
  assert.match(version, /^\d+\.\d+\.\d+$/);
  assert.ok(steps.includes(`curl -L -o ort-cuda.nupkg https://api.nuget.org/v3-flatcontainer/microsoft.ml.onnxruntime.gpu.linux/${version}/microsoft.ml.onnxruntime.gpu.linux.${version}.nupkg`), steps);
  assert.ok(steps.includes(`unzip -j -o ort-cuda.nupkg runtimes/linux-x64/native/libonnxruntime_providers_cuda.so runtimes/linux-x64/native/libonnxruntime_providers_shared.so -d '${binding.replace(/\/$/, '')}'`), steps);
  assert.match(steps, /CUDA 12\.x runtime libraries .* cuDNN 9\.x \(libcudnn\.so\.9\)/);
  // The folder the libraries go into is the one holding the shipped CPU binding.
  assert.ok(fs.readdirSync(binding).some((f) => f.endsWith('.node')), `${binding} holds the onnxruntime binding`);
});
