// The CUDA advice must work where the user really is: an installed .vsix has no npm scripts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cudaInstallSteps, isSourceCheckout } from '../../runtime/doctor/cuda-install-hint';
import { findBindingDir } from '../../runtime/doctor/gpu-probe';

test('a source checkout (onnxruntime-node with its install script) is told npm run install:cuda', () => {
  const binding = findBindingDir();
  assert.ok(binding, 'onnxruntime-node is installed in this checkout');
  assert.equal(isSourceCheckout(binding), true);
  assert.match(cudaInstallSteps(binding, '1.30.0').join('\n'), /npm run install:cuda/);
});

test('an installed extension (binaries only, as scripts/package.mjs stages them) gets steps that need no npm script of ours', () => {
  // The .vsix layout: node_modules/onnxruntime-node/bin/napi-v6/linux/x64 without script/install.js.
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-vsix-'));
  const binding = path.join(root, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6', 'linux', 'x64');
  fs.mkdirSync(binding, { recursive: true });
  assert.equal(isSourceCheckout(binding), false);
  const steps = cudaInstallSteps(binding, '1.30.0').join('\n');
  assert.doesNotMatch(steps, /npm run install:cuda/);
  assert.match(steps, /npm install --ignore-scripts onnxruntime-node@1\.30\.0/);
  assert.match(steps, /ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules\/onnxruntime-node\/script\/install\.js/);
  assert.ok(steps.includes(`into ${binding}`), 'names the folder to copy the libraries into');
  fs.rmSync(root, { recursive: true, force: true });
});
