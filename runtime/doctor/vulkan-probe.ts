/**
 * What the machine offers for onnxruntime-node's bundled WebGPU provider (Dawn over Vulkan on
 * Linux), found without running any program: the Vulkan loader library and the driver manifests
 * (ICD files) it reads. Dawn needs both: without the loader it prints "Couldn't load Vulkan:
 * libvulkan.so.1" natively and onnxruntime says "No supported adapters"; with only a CPU driver
 * (Mesa's llvmpipe) it refuses the adapter for missing features (field notes).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface VulkanProbe {
  /** libvulkan.so.1 files found on the loader's usual paths. */
  loader: string[];
  /** Vulkan driver manifests (ICD JSON files) found in the standard folders. */
  icds: string[];
}

const ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];

function libraryDirs(): string[] {
  const fromEnv = (process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  return [...fromEnv, '/usr/lib/x86_64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib'];
}

function listMatching(dirs: string[], pattern: RegExp): string[] {
  const found = new Set<string>();
  for (const dir of dirs) {
    try {
      for (const f of fs.readdirSync(dir)) if (pattern.test(f)) found.add(path.join(dir, f));
    } catch {
      // folder absent
    }
  }
  return [...found].sort();
}

export function probeVulkan(): VulkanProbe {
  const icdFromEnv = (process.env.VK_ICD_FILENAMES ?? process.env.VK_DRIVER_FILES ?? '').split(':').filter((f) => f && fs.existsSync(f));
  return {
    loader: listMatching(libraryDirs(), /^libvulkan\.so\.1$/),
    icds: [...new Set([...icdFromEnv, ...listMatching(ICD_DIRS, /\.json$/)])].sort(),
  };
}

/** One clause saying what of the Vulkan stack is missing, or null when both parts are present. */
export function vulkanShortfall(probe: VulkanProbe): string | null {
  if (probe.loader.length === 0) return 'the Vulkan loader libvulkan.so.1 is not on the library path';
  if (probe.icds.length === 0) return 'no Vulkan driver manifest (ICD) is installed';
  return null;
}

/** What to install so WebGPU can find the GPU, in one sentence. */
export function webgpuInstallHint(): string {
  return (
    'WebGPU needs a GPU with a Vulkan driver: install the Vulkan loader (Debian/Ubuntu: apt install libvulkan1) and your GPU vendor\'s Vulkan driver ' +
    '(NVIDIA: the proprietary driver, which ships its Vulkan ICD; Mesa\'s CPU driver llvmpipe is refused)'
  );
}
