/**
 * Scenario h, Check GPU on this machine (no GPU): the notification says neither CUDA nor WebGPU is
 * usable and runs use the CPU, and why (no NVIDIA driver; the provider libraries missing; no Vulkan loader), whole (under VS Code's
 * cut). "Show details" opens the Output channel with every finding and the steps to get CUDA for an
 * installed extension: npm steps that need no source checkout, and the binding folder of *this*
 * installed extension, which must exist and hold the CPU binding the libraries go beside.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { outputChannelText, runCommand, screenshots, step, waitFor, type Workbench } from '../workbench';
import { clearNotifications, notification } from './ui';

export async function scenarioHCheckGpu(wb: Workbench): Promise<void> {
  const page = wb.page;
  await clearNotifications(page);
  await runCommand(page, 'HELENE: Check GPU');
  const text = (await notification(page, /Neither CUDA nor WebGPU is usable here/, 30_000)).trim();
  assert.match(text, /^Neither CUDA nor WebGPU is usable here; runs use the CPU\. CUDA: /);
  assert.match(text, /No NVIDIA GPU\/driver found on this machine/);
  assert.match(text, /CUDA provider libraries are not installed \(libonnxruntime_providers_shared\.so, libonnxruntime_providers_cuda\.so missing in /);
  assert.match(text, /Show details lists the steps to install them for this installation\./);
  assert.match(text, /engine\.provider "auto" tries WebGPU next/);
  assert.match(text, /WebGPU: The Vulkan loader libvulkan\.so\.1 is not on the library path\. engine\.provider "auto" runs on the CPU when neither GPU provider starts; "webgpu" fails with this reason\.$/, 'the whole verdict fits: nothing cut with "..."');
  // The notification center keeps it on screen through the theme switches of the screenshots.
  await runCommand(page, 'Notifications: Show Notifications');
  await screenshots(wb, 'h-check-gpu');

  await step('"Show details"', async () => {
    // The toast may have timed out behind the theme switches: the notification center keeps it.
    if (!(await page.locator('.notifications-toasts .notification-list-item', { hasText: 'Neither CUDA nor WebGPU is usable here' }).first().isVisible().catch(() => false))) {
      await runCommand(page, 'Notifications: Show Notifications');
    }
    await page.locator('.notification-list-item', { hasText: 'Neither CUDA nor WebGPU is usable here' }).first().locator('.monaco-button', { hasText: 'Show details' }).first().click();
  });
  const details = await step('the Output channel shows every finding and the steps', async () => {
    // Any doctor line on screen: the channel scrolls to its end, and the WebGPU lines pushed the first
    // (CPU) line out of a short panel; the whole text is checked from the channel's log below.
    await page.locator('.panel .monaco-editor', { hasText: 'doctor: ' }).first().waitFor({ timeout: 10_000 });
    return waitFor('the doctor lines in the channel log', () => {
      const t = outputChannelText(wb.userDataDir);
      return /doctor: CPU provider: works\.[\s\S]*doctor: CUDA provider: not usable[\s\S]*reload the window[\s\S]*doctor: WebGPU provider: not usable[\s\S]*apt install libvulkan1/.test(t) ? t : undefined;
    }, 10_000);
  });
  // The steps for an installed .vsix: no npm script of a source checkout, and this extension's own folder.
  assert.doesNotMatch(details, /npm run install:cuda/);
  assert.match(details, /npm install --ignore-scripts onnxruntime-node@\d+\.\d+\.\d+ && ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules\/onnxruntime-node\/script\/install\.js/);
  const into = /copy libonnxruntime_providers_cuda\.so libonnxruntime_providers_shared\.so from \S+ into (\S+)/.exec(details)?.[1];
  assert.ok(into, 'the steps name the folder to copy the libraries into');
  const extensionsDir = path.join(path.dirname(wb.userDataDir), 'extensions');
  assert.ok(into.startsWith(path.join(extensionsDir, 'helene-studio.')), `${into} is inside the installed extension (${extensionsDir})`);
  assert.ok(fs.readdirSync(into).some((f) => f.endsWith('.node')), `${into} holds the onnxruntime binding the libraries go beside`);
  assert.match(details, /CUDA 12 and cuDNN 9/);
  await screenshots(wb, 'h-check-gpu-details');
  await runCommand(page, 'View: Hide Panel');
}
