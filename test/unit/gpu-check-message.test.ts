/**
 * Check GPU's notification (extension/gpu-check-message.ts) from the doctor's real report on this
 * machine (no GPU): the verdict and the reasons in full, under VS Code's 1000-character cut, with
 * the install steps left to "Show details" (the Output channel) — found in code-server, where the
 * installed extension's steps pushed "then reload the window" past the cut.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { runDoctor } from '../../runtime/doctor/doctor';
import { cudaInstallSteps } from '../../runtime/doctor/cuda-install-hint';
import { gpuCheckHeadline, NOTIFICATION_MAX_CHARS } from '../../extension/gpu-check-message';

/** Where an installed extension's binding lives (VS Code Server on Linux), as the doctor names it there. */
const INSTALLED_BINDING = path.join('/home/someone/.vscode-server/extensions/helene-studio.helene-studio-0.1.0', 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64');

test('no usable CUDA nor WebGPU: the CPU runs, the reasons of each, and a pointer to the steps, within the notification limit', async () => {
  const report = await runDoctor();
  assert.equal(report.cudaWorks, false, 'this test runs on a machine without CUDA');
  assert.equal(report.webgpuWorks, false, 'this test runs on a machine without a Vulkan GPU driver');
  // The installed extension's steps, as the doctor words them there (much longer than a checkout's).
  const stepsAt = report.verdict.findIndex((l) => l.startsWith('    ') && /npm/.test(l));
  assert.ok(stepsAt > 0, `the doctor lists install steps: ${report.verdict.join('\n')}`);
  const verdict = [...report.verdict.slice(0, stepsAt), ...cudaInstallSteps(INSTALLED_BINDING, '1.30.0').map((s) => `    ${s}`), ...report.verdict.slice(stepsAt).filter((l) => !l.startsWith('    '))];
  const headline = gpuCheckHeadline({ ...report, verdict });
  assert.ok(headline.length <= NOTIFICATION_MAX_CHARS, `${headline.length} characters: VS Code would cut it`);
  assert.match(headline, /^Neither CUDA nor WebGPU is usable here; runs use the CPU\. CUDA: /);
  assert.match(headline, /No NVIDIA GPU\/driver found on this machine/);
  assert.match(headline, /CUDA provider libraries are not installed \(libonnxruntime_providers_shared\.so, libonnxruntime_providers_cuda\.so missing in /);
  assert.match(headline, /Show details lists the steps to install them for this installation\./);
  assert.match(headline, /engine\.provider "auto" tries WebGPU next/);
  // The WebGPU reasons, from this machine's real Vulkan state (no loader here), after the CUDA ones.
  assert.match(headline, / WebGPU: The Vulkan loader libvulkan\.so\.1 is not on the library path\./);
  assert.ok(headline.indexOf(' WebGPU: ') > headline.indexOf('CUDA: '));
  for (const step of verdict.filter((l) => l.startsWith('    '))) assert.ok(!headline.includes(step.trim()), `a step is left to Show details: ${step.trim()}`);
});

test('WebGPU works where CUDA does not: the headline says runs use the GPU through WebGPU, without the WebGPU reasons', () => {
  const headline = gpuCheckHeadline({
    cudaWorks: false,
    webgpuWorks: true,
    verdict: ['CPU provider: works.', 'CUDA provider: not usable (x).', '  The CUDA 12 runtime (libcudart.so.12) is not on the library path.', 'WebGPU provider: works.'],
    probe: { gpus: ['NVIDIA H200'] },
  });
  assert.equal(headline, 'CUDA is not usable here; WebGPU works, so runs with provider "auto" use the GPU through WebGPU. CUDA: The CUDA 12 runtime (libcudart.so.12) is not on the library path.');
});

test('CUDA works: one line naming the GPU', () => {
  assert.equal(gpuCheckHeadline({ cudaWorks: true, verdict: [], probe: { gpus: ['NVIDIA H100'] } }), 'CUDA works on NVIDIA H100: runs with provider "auto" use the GPU.');
});

test('an unexpectedly long verdict is cut by us, with a pointer, not by VS Code', () => {
  const headline = gpuCheckHeadline({ cudaWorks: false, verdict: ['CPU provider: works.', 'CUDA provider: not usable (x).', `  ${'a very long reason '.repeat(80)}`], probe: { gpus: [] } });
  assert.ok(headline.length <= NOTIFICATION_MAX_CHARS);
  assert.match(headline, /… \(the rest: Show details\)$/);
});
