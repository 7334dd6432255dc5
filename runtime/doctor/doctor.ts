/**
 * `helene-studio doctor` (and the extension's "HELENE: Check GPU"): what the runtime really finds —
 * providers, GPU, why CUDA is or is not usable — in plain words. The verdict comes from actually
 * creating a CUDA session on a tiny model, not from inspecting files alone.
 */
import * as ort from 'onnxruntime-node';
import { buildLeastSquares } from '../onnx/graph-builder';
import { encodeModel } from '../onnx/model-io';
import { cudaInstallSteps } from './cuda-install-hint';
import { probeGpu, type GpuProbe } from './gpu-probe';

export interface DoctorReport {
  node: string;
  platform: string;
  onnxruntime: string;
  backends: { name: string; bundled: boolean }[];
  probe: GpuProbe;
  cpuWorks: boolean;
  cudaWorks: boolean;
  cudaError: string | null;
  /** Plain-words lines for the user. */
  verdict: string[];
}

async function tryProvider(provider: 'cpu' | 'cuda'): Promise<string | null> {
  ort.env.logLevel = 'fatal';
  try {
    const bytes = encodeModel(buildLeastSquares({ layers: [{ name: 'w', shape: [2] }] }));
    const session = await ort.InferenceSession.create(bytes, { executionProviders: [provider], logSeverityLevel: 4 });
    await session.run({ a: new ort.Tensor('float32', new Float32Array([1, 2]), [1, 2]), y: new ort.Tensor('float32', new Float32Array([1]), [1]) });
    await session.release();
    return null;
  } catch (e) {
    return String((e as Error).message ?? e).split('\n')[0];
  }
}

export async function runDoctor(): Promise<DoctorReport> {
  const probe = probeGpu();
  const cpuError = await tryProvider('cpu');
  const cudaError = await tryProvider('cuda');
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
    verdict.push('  engine.provider "auto" falls back to CPU and says so; "cuda" fails with this reason.');
  }
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    onnxruntime: ort.env.versions?.common ?? 'unknown',
    backends: ort.listSupportedBackends?.() ?? [],
    probe,
    cpuWorks: cpuError === null,
    cudaWorks: cudaError === null,
    cudaError,
    verdict,
  };
}

export function formatDoctor(r: DoctorReport): string {
  return [
    `HELENE Studio doctor`,
    `  node ${r.node} on ${r.platform}, onnxruntime-node ${r.onnxruntime}`,
    `  backends listed by onnxruntime: ${r.backends.map((b) => `${b.name}${b.bundled ? '' : ' (needs separately installed libraries)'}`).join(', ')}`,
    `  NVIDIA GPUs: ${r.probe.gpus.length ? r.probe.gpus.join(', ') : 'none found'}`,
    '',
    ...r.verdict,
    '',
  ].join('\n');
}
