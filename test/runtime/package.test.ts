/**
 * What the .vsix ships (issue "Ship it"): the staged package content, listed by vsce itself. Fails on
 * a missing runtime file, and on anything that should not ship (sources, tests, fixtures,
 * benchmarks, source maps, other platforms' binaries, dev dependencies).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
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
