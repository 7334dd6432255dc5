/**
 * How to get onnxruntime-node's CUDA provider libraries, worded for where this runtime really is.
 * A source checkout has onnxruntime-node's own install script (`npm run install:cuda` runs it); an
 * installed extension (.vsix) ships only the CPU binaries and no npm scripts, so its users fetch the
 * two libraries on any machine with network access — the NuGet package onnxruntime-node's installer
 * itself downloads (script/install-metadata.js: Microsoft.ML.OnnxRuntime.Gpu.Linux at the same
 * version, from nuget.org's flat container), or through npm — and put them beside the binding.
 * onnxruntime-node's Linux CUDA manifest is "cuda12": built for CUDA 12.x and cuDNN 9.x (ONNX
 * Runtime's requirements page: a CUDA 12 build runs on any CUDA 12 minor; cuDNN 8 and 9 do not mix).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const LIBRARIES = 'libonnxruntime_providers_cuda.so libonnxruntime_providers_shared.so';

/** The onnxruntime-node package folder that holds a binding folder (…/onnxruntime-node/bin/napi-v6/linux/x64). */
function packageDirOf(bindingDir: string): string {
  return path.resolve(bindingDir, '..', '..', '..', '..');
}

/** The NuGet package onnxruntime-node's own installer downloads for the CUDA 12 provider (same version). */
export function nugetPackageUrl(ortVersion: string): string {
  const id = 'microsoft.ml.onnxruntime.gpu.linux';
  return `https://api.nuget.org/v3-flatcontainer/${id}/${ortVersion}/${id}.${ortVersion}.nupkg`;
}

export function isSourceCheckout(bindingDir: string | null): boolean {
  return !!bindingDir && fs.existsSync(path.join(packageDirOf(bindingDir), 'script', 'install.js'));
}

/** The steps, one per line, for a user whose onnxruntime-node binding lives in `bindingDir`. */
export function cudaInstallSteps(bindingDir: string | null, ortVersion: string): string[] {
  if (isSourceCheckout(bindingDir)) {
    return ['On this machine with network access and CUDA 12 + cuDNN 9 installed, in the project folder: npm run install:cuda'];
  }
  const where = bindingDir ?? "the extension's node_modules/onnxruntime-node/bin/napi-v6/linux/x64 folder";
  const nupkg = nugetPackageUrl(ortVersion);
  return [
    `Needs: an NVIDIA driver for CUDA 12 (525 or newer), the CUDA 12.x runtime libraries (libcudart.so.12, cuBLAS, cuFFT, cuRAND of CUDA 12) and cuDNN 9.x (libcudnn.so.9) on the library path; onnxruntime-node ${ortVersion}'s CUDA provider is built for CUDA 12 (a CUDA 13 installation alone does not load it).`,
    `Download (any machine with network access): curl -L -o ort-cuda.nupkg ${nupkg}`,
    `then, on this machine: unzip -j -o ort-cuda.nupkg ${LIBRARIES.split(' ').map((f) => `runtimes/linux-x64/native/${f}`).join(' ')} -d '${where}'`,
    'Or with npm instead of the download:',
    `On any Linux x64 machine with network access: mkdir ort-cuda && cd ort-cuda && npm install --ignore-scripts onnxruntime-node@${ortVersion} && ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js`,
    `then copy ${LIBRARIES} from ort-cuda/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/ into ${where}`,
    'and install CUDA 12 and cuDNN 9 on this machine (their libraries on the library path); then reload the window.',
  ];
}
