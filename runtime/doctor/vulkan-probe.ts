/**
 * What the machine offers for onnxruntime-node's bundled WebGPU provider (Dawn over Vulkan on
 * Linux), found without running any program: the Vulkan loader library, the driver manifests
 * (ICD files) it reads, and whether each manifest's driver library and what NVIDIA's needs are there.
 * Dawn needs all of it: without the loader it prints "Couldn't load Vulkan: libvulkan.so.1" natively
 * and onnxruntime says "No supported adapters"; with only a CPU driver (Mesa's llvmpipe) it refuses
 * the adapter for missing features (field notes); and NVIDIA's ICD, libGLX_nvidia.so.0, needs the GL
 * vendor-neutral dispatch libraries (libglvnd0, libglx0): on an H100 machine without them the loader
 * said "Could not get 'vkCreateInstance' via 'vk_icdGetInstanceProcAddr' for ICD libGLX_nvidia.so.0"
 * and there was no adapter (docs/gpu.md).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { libraryDirs, listMatching } from './library-dirs';

export interface VulkanProbe {
  /** libvulkan.so.1 files found on the loader's usual paths. */
  loader: string[];
  /** Vulkan driver manifests (ICD JSON files) found in the standard folders. */
  icds: string[];
  /** The driver libraries the manifests name (ICD.library_path). */
  drivers?: string[];
  /** Those of them in none of the library folders searched. */
  missingDrivers?: string[];
  /** NVIDIA's ICD is installed but the GL dispatch library it loads (libGLdispatch.so.0) is not. */
  nvidiaWithoutGlDispatch?: boolean;
}

/** Where manifests are read: the loader's standard folders, and the driver folder of NVIDIA's container images. */
const ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d', '/usr/local/nvidia/share/vulkan/icd.d'];

/** The driver library a manifest names (ICD.library_path), or null when it cannot be read. */
function driverLibrary(manifest: string): string | null {
  try {
    const parsed = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { ICD?: { library_path?: unknown } };
    return typeof parsed.ICD?.library_path === 'string' ? parsed.ICD.library_path : null;
  } catch {
    return null;
  }
}

export interface VulkanProbeRoots {
  icdDirs?: string[];
  libraryDirs?: string[];
}

export function probeVulkan(roots: VulkanProbeRoots = {}): VulkanProbe {
  const libDirs = roots.libraryDirs ?? libraryDirs();
  const icdFromEnv = roots.icdDirs ? [] : (process.env.VK_ICD_FILENAMES ?? process.env.VK_DRIVER_FILES ?? '').split(':').filter((f) => f && fs.existsSync(f));
  const icds = [...new Set([...icdFromEnv, ...listMatching(roots.icdDirs ?? ICD_DIRS, /\.json$/)])].sort();
  const present = (lib: string) => (path.isAbsolute(lib) ? fs.existsSync(lib) : libDirs.some((d) => fs.existsSync(path.join(d, lib))));
  const drivers = [...new Set(icds.map(driverLibrary).filter((l): l is string => l !== null))];
  return {
    loader: listMatching(libDirs, /^libvulkan\.so\.1$/),
    icds,
    drivers,
    missingDrivers: drivers.filter((l) => !present(l)),
    nvidiaWithoutGlDispatch: drivers.some((l) => path.basename(l).startsWith('libGLX_nvidia') && present(l)) && !present('libGLdispatch.so.0'),
  };
}

/** One clause saying what of the Vulkan stack is missing, or null when nothing is known to be. */
export function vulkanShortfall(probe: VulkanProbe): string | null {
  if (probe.loader.length === 0) return 'the Vulkan loader libvulkan.so.1 is not on the library path';
  if (probe.icds.length === 0) return 'no Vulkan driver manifest (ICD) is installed';
  if (probe.nvidiaWithoutGlDispatch) {
    return "NVIDIA's Vulkan driver (libGLX_nvidia.so.0) is installed but the GL dispatch libraries it needs are not (Debian/Ubuntu: apt install libglvnd0 libglx0)";
  }
  const missing = probe.missingDrivers ?? [];
  if (missing.length > 0 && missing.length === (probe.drivers ?? []).length) {
    return `the Vulkan driver libraries the manifests name (${missing.join(', ')}) are in no library folder (add the driver's folder, e.g. /usr/local/nvidia/lib64, to LD_LIBRARY_PATH)`;
  }
  return null;
}

/** What to install so WebGPU can find the GPU, in one sentence. */
export function webgpuInstallHint(): string {
  return (
    'WebGPU needs a GPU with a Vulkan driver: install the Vulkan loader (Debian/Ubuntu: apt install libvulkan1) and your GPU vendor\'s Vulkan driver ' +
    '(NVIDIA: the proprietary driver, which ships its Vulkan ICD and needs libglvnd0 and libglx0; Mesa\'s CPU driver llvmpipe is refused)'
  );
}
