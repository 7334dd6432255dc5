/**
 * Execution-provider choice. onnxruntime-node has no silent fallback: asking for CUDA without its
 * libraries rejects session creation ("Failed to load shared library"), even with ['cuda','cpu'],
 * and the bundled WebGPU provider rejects it when Dawn finds no adapter (field notes). So every
 * provider is tried alone: "cuda" / "webgpu" fail with a clear message naming why and what to
 * install; "auto" tries CUDA, then WebGPU, then CPU, and records one line per provider that did not
 * run; "cpu" never tries a GPU.
 */
import * as ort from 'onnxruntime-node';
import type { Provider, RequestedProvider } from '../protocol';
import { isSourceCheckout } from '../doctor/cuda-install-hint';
import { findBindingDir } from '../doctor/gpu-probe';
import { probeVulkan, vulkanShortfall, webgpuInstallHint } from '../doctor/vulkan-probe';

/** What to do about a missing CUDA provider, worded for a source checkout or an installed extension. */
export function cudaInstallHint(): string {
  const how = isSourceCheckout(findBindingDir())
    ? 'Install the CUDA provider libraries with `npm run install:cuda` on a machine that can reach them (see README, "GPU")'
    : 'Run "HELENE: Check GPU" (or `helene-studio doctor`) for the exact steps to add the CUDA provider libraries to this installation';
  return `${how}, or set engine.provider to "auto" or "cpu".`;
}

export class ProviderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProviderError';
  }
}

export interface SessionChoice {
  session: ort.InferenceSession;
  /** The provider the session was created for (verified later by a profiled run). */
  provider: Provider;
  fallbackReason?: string;
}

export interface SessionRequest {
  /** A model path (external data resolves next to it) or the encoded model. */
  model: string | Uint8Array;
  requested: RequestedProvider;
  threads: number;
  /**
   * When `model` is encoded bytes whose initializers refer to external data: the directory those
   * locations are relative to (onnxruntime otherwise resolves them against the process cwd).
   */
  externalDataDir?: string;
  /** Profile the first run so the provider that really ran can be read back. */
  profilePrefix?: string;
  /** Keep these outputs on the device (WebGPU only: 'gpu-buffer' tensors that can be fed back as inputs). */
  residentOutputs?: string[];
}

function sessionOptions(request: SessionRequest, provider: Provider): ort.InferenceSession.SessionOptions {
  const resident = provider === 'webgpu' && request.residentOutputs?.length;
  return {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    // The memory pattern, planned after the first run, is allocated as one block on later runs while
    // the arena keeps the first run's chunks: the activations and the in-graph perturbed weights were
    // held twice (measured on the 125 M Llama of bench:scale: +410 MB from the second pass on, +206 MB without it).
    enableMemPattern: false,
    // Silence ORT's native error print for the expected GPU load failures; we report them ourselves.
    logSeverityLevel: provider === 'cpu' ? 3 : 4,
    ...(request.threads > 0 ? { intraOpNumThreads: request.threads, interOpNumThreads: 1 } : {}),
    // ORT's pool threads spin-wait after each run by default; between our passes the JS thread does
    // the RNG and the update, and spinning threads would steal its core (measured: 2-6x slower updates).
    extra: {
      session: {
        intra_op: { allow_spinning: '0' },
        inter_op: { allow_spinning: '0' },
        ...(request.externalDataDir ? { model_external_initializers_file_folder_path: request.externalDataDir } : {}),
      },
    },
    ...(request.profilePrefix ? { enableProfiling: true, profileFilePrefix: request.profilePrefix } : {}),
    ...(resident ? { preferredOutputLocation: Object.fromEntries(request.residentOutputs!.map((n) => [n, 'gpu-buffer' as const])) } : {}),
  };
}

async function create(request: SessionRequest, provider: Provider): Promise<ort.InferenceSession> {
  // The environment logger prints the expected GPU load failures natively; we report them ourselves.
  ort.env.logLevel = 'fatal';
  const options = sessionOptions(request, provider);
  return typeof request.model === 'string'
    ? ort.InferenceSession.create(request.model, options)
    : ort.InferenceSession.create(request.model, options);
}

/**
 * The first line of an onnxruntime error without its C++ source location: WebGPU's reads
 * "/onnxruntime_src/…/webgpu_context.cc:136 … was false. Failed to get a WebGPU adapter: No
 * supported adapters"; the user needs the sentence after "was false.".
 */
export function conciseOrtError(e: unknown): string {
  const line = String((e as Error)?.message ?? e).split('\n')[0].trim();
  const assertion = /^\S+\.(?:cc|cpp|h):\d+ .*? was false\.\s*(.+)$/.exec(line);
  return assertion ? assertion[1] : line;
}

/** Why a GPU provider could not start, in one clause (no provider prefix). */
export function gpuFailureReason(provider: 'cuda' | 'webgpu', e: unknown): string {
  if (provider === 'cuda') return `the CUDA execution provider could not be loaded (${conciseOrtError(e)})`;
  const shortfall = vulkanShortfall(probeVulkan());
  return `no WebGPU adapter (${conciseOrtError(e)}${shortfall ? `; ${shortfall}` : ''})`;
}

function explicitFailure(provider: 'cuda' | 'webgpu', reason: string): ProviderError {
  const hint = provider === 'cuda' ? cudaInstallHint() : `${webgpuInstallHint()}; or set engine.provider to "auto" or "cpu".`;
  return new ProviderError(`engine.provider is "${provider}" but ${reason}. ${hint}`);
}

/**
 * Why "auto" does not even try WebGPU: without the Vulkan loader, Dawn (inside libonnxruntime) prints
 * "Warning: Couldn't load Vulkan: libvulkan.so.1: cannot open shared object file" straight to the
 * process's stderr (native, not silenceable from JS) before onnxruntime reports "No supported
 * adapters" — on every CPU-only machine, for every run. An explicit "webgpu" (and the doctor) still
 * tries, to report onnxruntime's own error.
 */
function webgpuNotTried(): string | null {
  return probeVulkan().loader.length === 0 ? 'not tried: the Vulkan loader libvulkan.so.1 is not on the library path, so WebGPU can find no adapter' : null;
}

/** The providers "auto" tries, in order: CUDA (fastest where installed), WebGPU (bundled), CPU. */
export const AUTO_ORDER: readonly Provider[] = ['cuda', 'webgpu', 'cpu'];

export async function createSession(request: SessionRequest): Promise<SessionChoice> {
  if (request.requested === 'cpu') return { session: await create(request, 'cpu'), provider: 'cpu' };
  if (request.requested === 'cuda' || request.requested === 'webgpu') {
    const provider = request.requested;
    try {
      return { session: await create(request, provider), provider };
    } catch (e) {
      throw explicitFailure(provider, gpuFailureReason(provider, e));
    }
  }
  const skipped: string[] = [];
  for (const provider of AUTO_ORDER) {
    if (provider === 'cpu') break;
    const notTried = provider === 'webgpu' ? webgpuNotTried() : null;
    if (notTried) {
      skipped.push(`webgpu: ${notTried}`);
      continue;
    }
    try {
      const session = await create(request, provider);
      return { session, provider, ...(skipped.length ? { fallbackReason: `provider "auto": ${skipped.join('; ')}; running on ${provider}.` } : {}) };
    } catch (e) {
      skipped.push(`${provider}: ${gpuFailureReason(provider, e)}`);
    }
  }
  return { session: await create(request, 'cpu'), provider: 'cpu', fallbackReason: `provider "auto": ${skipped.join('; ')}; running on CPU.` };
}
