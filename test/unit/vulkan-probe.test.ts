/**
 * The Vulkan probe on made-up machines (temp folders standing for the ICD and library folders): the
 * case met on a real H100 machine (NVIDIA's ICD present, libGLdispatch absent: no WebGPU adapter),
 * a manifest whose driver library is nowhere on the library path, and a complete stack.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { probeVulkan, vulkanShortfall } from '../../runtime/doctor/vulkan-probe';

function machine(files: Record<string, string>): { root: string; roots: { icdDirs: string[]; libraryDirs: string[] } } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-vulkan-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), text);
  }
  fs.mkdirSync(path.join(root, 'icd'), { recursive: true });
  fs.mkdirSync(path.join(root, 'lib'), { recursive: true });
  return { root, roots: { icdDirs: [path.join(root, 'icd')], libraryDirs: [path.join(root, 'lib')] } };
}

/** The manifest NVIDIA's driver installs (its library by name, found through the library path). */
const NVIDIA_ICD = JSON.stringify({ file_format_version: '1.0.1', ICD: { library_path: 'libGLX_nvidia.so.0', api_version: '1.4.312' } });

test('NVIDIA\'s ICD without the GL dispatch library: the shortfall names libglvnd0 and libglx0', (t) => {
  const m = machine({ 'icd/nvidia_icd.json': NVIDIA_ICD, 'lib/libvulkan.so.1': '', 'lib/libGLX_nvidia.so.0': '' });
  t.after(() => fs.rmSync(m.root, { recursive: true, force: true }));
  const probe = probeVulkan(m.roots);
  assert.equal(probe.nvidiaWithoutGlDispatch, true);
  assert.match(vulkanShortfall(probe) ?? '', /libGLX_nvidia\.so\.0.*apt install libglvnd0 libglx0/);
});

test('with libGLdispatch.so.0 beside it the NVIDIA stack is complete: no shortfall', (t) => {
  const m = machine({ 'icd/nvidia_icd.json': NVIDIA_ICD, 'lib/libvulkan.so.1': '', 'lib/libGLX_nvidia.so.0': '', 'lib/libGLdispatch.so.0': '' });
  t.after(() => fs.rmSync(m.root, { recursive: true, force: true }));
  const probe = probeVulkan(m.roots);
  assert.equal(probe.nvidiaWithoutGlDispatch, false);
  assert.deepEqual(probe.missingDrivers, []);
  assert.equal(vulkanShortfall(probe), null);
});

test('a manifest whose driver library is in no library folder: the shortfall names it and LD_LIBRARY_PATH', (t) => {
  const m = machine({ 'icd/nvidia_icd.json': NVIDIA_ICD, 'lib/libvulkan.so.1': '' });
  t.after(() => fs.rmSync(m.root, { recursive: true, force: true }));
  const probe = probeVulkan(m.roots);
  assert.deepEqual(probe.missingDrivers, ['libGLX_nvidia.so.0']);
  assert.match(vulkanShortfall(probe) ?? '', /libGLX_nvidia\.so\.0.*LD_LIBRARY_PATH/);
});

test('an absolute driver path counts where it is; one present driver of two is enough', (t) => {
  const m = machine({ 'lib/libvulkan.so.1': '', 'lib/libvulkan_lvp.so': '' });
  t.after(() => fs.rmSync(m.root, { recursive: true, force: true }));
  fs.writeFileSync(path.join(m.root, 'icd/lvp_icd.json'), JSON.stringify({ ICD: { library_path: path.join(m.root, 'lib/libvulkan_lvp.so') } }));
  fs.writeFileSync(path.join(m.root, 'icd/nvidia_icd.json'), NVIDIA_ICD);
  const probe = probeVulkan(m.roots);
  assert.deepEqual(probe.missingDrivers, ['libGLX_nvidia.so.0']);
  assert.equal(vulkanShortfall(probe), null);
});

test('no loader, then no manifest: the first missing piece is named', (t) => {
  const m = machine({});
  t.after(() => fs.rmSync(m.root, { recursive: true, force: true }));
  assert.match(vulkanShortfall(probeVulkan(m.roots)) ?? '', /loader libvulkan\.so\.1/);
  fs.writeFileSync(path.join(m.root, 'lib/libvulkan.so.1'), '');
  assert.match(vulkanShortfall(probeVulkan(m.roots)) ?? '', /no Vulkan driver manifest/);
});
