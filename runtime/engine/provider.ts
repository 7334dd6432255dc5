/**
 * Execution-provider choice. onnxruntime-node has no silent fallback: asking for CUDA without its
 * libraries rejects session creation ("Failed to load shared library"), even with ['cuda','cpu']
 * (field notes). So: "cuda" tries CUDA alone and fails with a clear message; "auto" tries CUDA
 * alone, then recreates the session on CPU and says why; "cpu" never tries CUDA.
 */
import * as ort from 'onnxruntime-node';
import type { Provider, RequestedProvider } from '../protocol';
import { isSourceCheckout } from '../doctor/cuda-install-hint';
import { findBindingDir } from '../doctor/gpu-probe';

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
}

function sessionOptions(request: SessionRequest, provider: Provider): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    // The memory pattern, planned after the first run, is allocated as one block on later runs while
    // the arena keeps the first run's chunks: the activations and the in-graph perturbed weights were
    // held twice (measured on the 125 M Llama of bench:scale: +410 MB from the second pass on, +206 MB without it).
    enableMemPattern: false,
    // Silence ORT's native error print for the expected CUDA load failure; we report it ourselves.
    logSeverityLevel: provider === 'cuda' ? 4 : 3,
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
  };
}

async function create(request: SessionRequest, provider: Provider): Promise<ort.InferenceSession> {
  // The environment logger prints the expected CUDA load failure natively; we report it ourselves.
  ort.env.logLevel = 'fatal';
  const options = sessionOptions(request, provider);
  return typeof request.model === 'string'
    ? ort.InferenceSession.create(request.model, options)
    : ort.InferenceSession.create(request.model, options);
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0].trim();
}

export async function createSession(request: SessionRequest): Promise<SessionChoice> {
  if (request.requested === 'cpu') return { session: await create(request, 'cpu'), provider: 'cpu' };
  try {
    return { session: await create(request, 'cuda'), provider: 'cuda' };
  } catch (e) {
    const reason = `the CUDA execution provider could not be loaded (${firstLine(e)})`;
    if (request.requested === 'cuda') {
      throw new ProviderError(`engine.provider is "cuda" but ${reason}. ${cudaInstallHint()}`);
    }
    return { session: await create(request, 'cpu'), provider: 'cpu', fallbackReason: `provider "auto": ${reason}; running on CPU.` };
  }
}
