/**
 * engine.provider "auto" on WebGPU, when θ and dir are fed from the host (not engine.resident): time
 * the ±eps passes on the first batch on WebGPU and on the CPU, and keep the faster.
 *
 * Why: fed, every pass copies each trainable's θ and dir to the GPU. On an H100 (onnxruntime-node
 * 1.30, docs/gpu.md) two fed forwards of a 50M transformer took 1,531–1,819 ms (816 MB a step) where
 * the same two forwards with θ and z resident took 87 ms, and a 2-core CPU 1,035–1,090 ms: for a full
 * fine-tune the copies make WebGPU slower than the CPU, while a LoRA run (only adapters fed) keeps
 * the GPU's speed. Which side wins depends on the trainables, the batch and the machine, so it is
 * measured, not guessed, like engine.concurrentPasses "auto".
 */
import type { Provider } from '../protocol';

/** Runs shorter than this are not worth the check (it costs a CPU session and ~8 pairs). */
export const AUTO_PROVIDER_CHECK_MIN_STEPS = 200;
/** Timed pairs per provider, after one warm-up pair each. */
export const AUTO_PROVIDER_CHECK_PAIRS = 3;

export interface ProviderTiming {
  provider: Provider;
  /** Median ms of one ±eps pair. */
  pairMs: number;
}

export interface AutoProviderVerdict {
  keep: Provider;
  /** One sentence for run.json and the panel: both medians and what was kept. */
  sentence: string;
}

const mb = (bytes: number) => (bytes >= 1e6 ? `${(bytes / 1e6).toFixed(bytes >= 1e7 ? 0 : 1)} MB` : `${bytes} bytes`);

/** The faster provider (the GPU on a tie: the check is noisy and the GPU was auto's first choice). */
export function autoProviderVerdict(gpu: ProviderTiming, cpu: ProviderTiming, fedBytesPerPair: number): AutoProviderVerdict {
  const keep = cpu.pairMs < gpu.pairMs ? cpu.provider : gpu.provider;
  const sentence =
    `provider "auto" timed a ±eps pair on the first batch: ${gpu.provider} ${gpu.pairMs.toFixed(1)} ms ` +
    `(θ and dir copied to the GPU for each pass: ${mb(fedBytesPerPair)} a pair), cpu ${cpu.pairMs.toFixed(1)} ms; ` +
    `running on ${keep}${keep === 'cpu' ? ' (engine.resident keeps them on the GPU; engine.provider "webgpu" insists)' : ''}.`;
  return { keep, sentence };
}

/** Median of `n` timed calls after one warm-up call. */
export async function medianPairMs(n: number, pair: () => Promise<void>): Promise<number> {
  await pair();
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await pair();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return ms[ms.length >> 1]!;
}
