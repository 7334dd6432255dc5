/**
 * `helene-studio doctor` (and the extension's "HELENE: Check GPU"): what the runtime really finds —
 * providers, GPU, why CUDA and WebGPU are or are not usable — in plain words. The verdict comes from
 * actually creating a CUDA and a WebGPU session on a tiny model, not from inspecting files alone.
 */
import * as ort from 'onnxruntime-node';
import { buildLeastSquares } from '../onnx/graph-builder';
import { encodeModel } from '../onnx/model-io';
import { cudaInstallSteps } from './cuda-install-hint';
import { probeGpu, type GpuProbe } from './gpu-probe';
import { probeVulkan, vulkanShortfall, webgpuInstallHint, type VulkanProbe } from './vulkan-probe';
import { conciseOrtError } from '../engine/provider';

export interface DoctorReport {
  node: string;
  platform: string;
  onnxruntime: string;
  backends: { name: string; bundled: boolean }[];
  probe: GpuProbe;
  cpuWorks: boolean;
  cudaWorks: boolean;
  cudaError: string | null;
  vulkan: VulkanProbe;
  webgpuWorks: boolean;
  webgpuError: string | null;
  /** Plain-words lines for the user: a finding per provider, its reasons indented by 2, install steps by 4. */
  verdict: string[];
}

async function tryProvider(provider: 'cpu' | 'cuda' | 'webgpu'): Promise<string | null> {
  ort.env.logLevel = 'fatal';
  try {
    const bytes = encodeModel(buildLeastSquares({ layers: [{ name: 'w', shape: [2] }] }));
    const session = await ort.InferenceSession.create(bytes, { executionProviders: [provider], logSeverityLevel: 4 });
    await session.run({ a: new ort.Tensor('float32', new Float32Array([1, 2]), [1, 2]), y: new ort.Tensor('float32', new Float32Array([1]), [1]) });
    await session.release();
    return null;
  } catch (e) {
    return conciseOrtError(e);
  }
}

export async function runDoctor(): Promise<DoctorReport> {
  const probe = probeGpu();
  const cpuError = await tryProvider('cpu');
  const cudaError = await tryProvider('cuda');
  const vulkan = probeVulkan();
  // Without the Vulkan loader WebGPU cannot find an adapter, and trying makes Dawn print its own native
  // "Couldn't load Vulkan … at operator() (/build/…)" lines to stderr, which read like a crash: say why
  // instead, as engine.provider "auto" does. With a loader it is tried, to report onnxruntime's own error.
  const webgpuError = vulkan.loader.length === 0 ? 'not tried: the Vulkan loader libvulkan.so.1 is not on the library path' : await tryProvider('webgpu');
  const verdict: string[] = [];
  if (cpuError) verdict.push(`The CPU provider does not work: ${cpuError}. Reinstall with npm ci.`);
  else verdict.push('CPU provider: works.');
  if (!cudaError) {
    verdict.push(`CUDA provider: works${probe.gpus.length ? ` on ${probe.gpus.join(', ')}` : ''}. engine.provider "auto" will use it.`);
  } else {
    verdict.push(`CUDA provider: not usable (${cudaError}).`);
    if (probe.gpus.length === 0) verdict.push('  No NVIDIA GPU/driver found on this machine (/proc/driver/nvidia is absent): runs use the CPU.');
    else verdict.push(`  GPU: ${probe.gpus.join(', ')}${probe.driverVersion ? `, driver ${probe.driverVersion}` : ''}.`);
    if (probe.missingProviderLibraries.length) {
      verdict.push(`  onnxruntime-node's CUDA provider libraries are not installed (${probe.missingProviderLibraries.join(', ')} missing in ${probe.bindingDir ?? 'the binding folder'}). To install them:`);
      for (const line of cudaInstallSteps(probe.bindingDir, ort.env.versions?.common ?? 'latest')) verdict.push(`    ${line}`);
    }
    if (probe.gpus.length && probe.cudaRuntime.length === 0) verdict.push('  The CUDA 12 runtime (libcudart.so.12) is not on the library path: install CUDA 12 or add it to LD_LIBRARY_PATH.');
    if (probe.gpus.length && probe.cudnn.length === 0) verdict.push('  cuDNN 9 (libcudnn.so.9) is not on the library path: install cuDNN 9 for CUDA 12.');
    verdict.push('  engine.provider "auto" tries WebGPU next, then the CPU, and says why; "cuda" fails with this reason.');
  }
  verdict.push(...webgpuVerdict(webgpuError, vulkan, !cudaError));
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    onnxruntime: ort.env.versions?.common ?? 'unknown',
    backends: ort.listSupportedBackends?.() ?? [],
    probe,
    cpuWorks: cpuError === null,
    cudaWorks: cudaError === null,
    cudaError,
    vulkan,
    webgpuWorks: webgpuError === null,
    webgpuError,
    verdict,
  };
}

/** The WebGPU finding: onnxruntime-node bundles the provider, so only the Vulkan driver can be missing. */
function webgpuVerdict(error: string | null, vulkan: VulkanProbe, cudaWorks: boolean): string[] {
  if (!error) return [`WebGPU provider: works.${cudaWorks ? ' engine.provider "auto" prefers CUDA; set "webgpu" to use it.' : ' engine.provider "auto" will use it.'}`];
  const lines = [`WebGPU provider: not usable (${error}).`];
  const shortfall = vulkanShortfall(vulkan);
  lines.push(`  ${shortfall ? shortfall[0].toUpperCase() + shortfall.slice(1) : `Vulkan is installed (${vulkan.loader[0]}; drivers: ${vulkan.icds.join(', ')}) but no driver gives WebGPU an adapter (its library missing, or only Mesa's llvmpipe, which is refused)`}.`);
  lines.push(`    ${webgpuInstallHint()}.`);
  lines.push('  engine.provider "auto" runs on the CPU when neither GPU provider starts; "webgpu" fails with this reason.');
  return lines;
}

export function formatDoctor(r: DoctorReport): string {
  return [
    `HELENE Studio doctor`,
    `  node ${r.node} on ${r.platform}, onnxruntime-node ${r.onnxruntime}`,
    `  backends listed by onnxruntime: ${r.backends.map((b) => `${b.name}${b.bundled ? '' : ' (needs separately installed libraries)'}`).join(', ')}`,
    `  NVIDIA GPUs: ${r.probe.gpus.length ? r.probe.gpus.join(', ') : 'none found'}`,
    `  Vulkan: loader ${r.vulkan.loader.length ? r.vulkan.loader.join(', ') : 'not found'}; drivers ${r.vulkan.icds.length ? r.vulkan.icds.join(', ') : 'none found'}`,
    '',
    ...r.verdict,
    '',
  ].join('\n');
}
