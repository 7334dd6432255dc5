/**
 * What the machine offers for the CUDA execution provider, found without running any program:
 * the provider libraries next to onnxruntime-node's binding, the NVIDIA driver's /proc entries,
 * and the CUDA/cuDNN runtime libraries on the loader's usual paths.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { libraryDirs, listMatching } from './library-dirs';

export interface GpuProbe {
  /** Folder holding onnxruntime-node's native binding. */
  bindingDir: string | null;
  /** CUDA provider libraries present beside the binding (installed by `npm run install:cuda`). */
  cudaProviderLibraries: string[];
  missingProviderLibraries: string[];
  /** GPUs the NVIDIA driver lists (/proc/driver/nvidia/gpus/<bus>/information → Model). */
  gpus: string[];
  driverVersion: string | null;
  /** CUDA 12 / cuDNN 9 runtime libraries found on the library path. */
  cudaRuntime: string[];
  cudnn: string[];
}

const PROVIDER_LIBRARIES = ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'];

export function findBindingDir(): string | null {
  try {
    const pkg = path.dirname(require.resolve('onnxruntime-node/package.json'));
    const base = path.join(pkg, 'bin');
    for (const napi of fs.existsSync(base) ? fs.readdirSync(base) : []) {
      const dir = path.join(base, napi, process.platform, process.arch);
      if (fs.existsSync(dir)) return dir;
    }
  } catch {
    // not resolvable (e.g. bundled without node_modules): reported as unknown
  }
  return null;
}

export function probeGpu(): GpuProbe {
  const dirs = libraryDirs();
  const bindingDir = findBindingDir();
  const present = bindingDir ? PROVIDER_LIBRARIES.filter((f) => fs.existsSync(path.join(bindingDir, f))) : [];
  const gpus: string[] = [];
  try {
    for (const bus of fs.readdirSync('/proc/driver/nvidia/gpus')) {
      const info = fs.readFileSync(path.join('/proc/driver/nvidia/gpus', bus, 'information'), 'utf8');
      gpus.push(/Model:\s*(.+)/.exec(info)?.[1]?.trim() ?? bus);
    }
  } catch {
    // no NVIDIA driver
  }
  let driverVersion: string | null = null;
  try {
    driverVersion = /Kernel Module\s+([\d.]+)/.exec(fs.readFileSync('/proc/driver/nvidia/version', 'utf8'))?.[1] ?? null;
  } catch {
    // no NVIDIA driver
  }
  return {
    bindingDir,
    cudaProviderLibraries: present,
    missingProviderLibraries: PROVIDER_LIBRARIES.filter((f) => !present.includes(f)),
    gpus,
    driverVersion,
    cudaRuntime: listMatching(dirs, /^libcudart\.so\.12/),
    cudnn: listMatching(dirs, /^libcudnn\.so\.9/),
  };
}
