/**
 * How to get onnxruntime-node's CUDA provider libraries, worded for where this runtime really is.
 * A source checkout has onnxruntime-node's own install script (`npm run install:cuda` runs it); an
 * installed extension (.vsix) ships only the CPU binaries and no npm scripts, so its users fetch the
 * two libraries with npm on any machine with network access and copy them beside the binding.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const LIBRARIES = 'libonnxruntime_providers_cuda.so libonnxruntime_providers_shared.so';

/** The onnxruntime-node package folder that holds a binding folder (…/onnxruntime-node/bin/napi-v6/linux/x64). */
function packageDirOf(bindingDir: string): string {
  return path.resolve(bindingDir, '..', '..', '..', '..');
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
  return [
    `On any Linux x64 machine with network access: mkdir ort-cuda && cd ort-cuda && npm install --ignore-scripts onnxruntime-node@${ortVersion} && ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js`,
    `then copy ${LIBRARIES} from ort-cuda/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/ into ${where}`,
    'and install CUDA 12 and cuDNN 9 on this machine (their libraries on the library path); then reload the window.',
  ];
}
