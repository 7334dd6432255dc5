/**
 * Issue 17's first target, measured in one process: MeZO training the ~1 M-parameter text encoder
 * (bench/text-encoder.ts, batch 16, sequences ≤ 64, per-batch padding) through the real Trainer, in
 * steps/s ÷ the two-forward limit: two plain onnxruntime forwards of the same batches (the same
 * model and loss head, weights as initializers, same threads), i.e. the step a zeroth-order method
 * could reach if everything but its two forward passes cost nothing.
 *
 * Rounds alternate a training run with the reference over the batches that run fed, so a shared
 * machine's load drift hits both; the ratio is the median over rounds of (median two forwards) /
 * (median step), medians so one stalled step does not decide it.
 *
 * The same batches (the last round's) and weights go to bench/pytorch_mezo.py, an independent
 * PyTorch MeZO, when /usr/bin/python3 has torch and onnx: the project's steps/s ÷ PyTorch's.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { StepProfile } from '../runtime/protocol';
import { Trainer } from '../runtime/run/trainer';
import { loadConfig, parseOverride } from '../runtime/cli/config-file';
import { readModel } from '../runtime/onnx/model-io';
import { createSession } from '../runtime/engine/provider';
import type { TrainingEngine } from '../runtime/engine/training-engine';
import { ISSUE17_ENCODER, repoPath, writeTextEncoderWorkspace } from './text-encoder';
import { withClassificationLoss } from './setup';
import { load1, median } from './stats';

export interface EncoderTargetOptions {
  rounds: number;
  steps: number;
  threads: number;
  kernelThreads: number;
  /** Extra config overrides (key=value), e.g. data.bucketByLength=true. */
  overrides?: string[];
  pytorch: boolean;
  log?: (line: string) => void;
}

export interface PytorchResult {
  stepsPerSecond: number;
  steps: number;
  firstBatchLoss: number;
  /** onnxruntime's mean loss of the same first batch at the same weights. */
  onnxFirstBatchLoss: number;
  torch: string;
  /** The faster of the thread counts timed (1 and 2). */
  torchThreads: number;
  /** Steps/s at each torch thread count timed. */
  stepsPerSecondByThreads?: Record<string, number>;
  parameters: number;
  /** Which BLAS torch ran on. */
  blas: string;
}

export interface EncoderTargetResult {
  parameters: number;
  batch: number;
  threads: number;
  steps: number;
  /** Per round: median step ms (after the profiler's warm-up), median two reference forwards ms, their ratio. */
  rounds: { stepMs: number; twoForwardsMs: number; ratio: number; stepsPerSecond: number; cpuMsPerStep: number; twoForwardsCpuMs: number; cpuRatio: number; meanWidth: number | null; load1: number }[];
  /** Median over rounds of twoForwardsMs / stepMs: steps/s ÷ the two-forward limit. */
  ratioToLimit: number;
  /**
   * The same in process CPU time (every thread; ORT's threads do not spin): two reference forwards'
   * CPU ÷ a training step's. Far less moved by other load than wall time on a shared machine.
   */
  cpuRatioToLimit: number;
  /** The project's steps/s (1000 / median step ms), median over rounds. */
  stepsPerSecond: number;
  limitStepsPerSecond: number;
  /** The median round's step profile. */
  profile: StepProfile;
  pytorch: PytorchResult | { skipped: string };
}

type Batch = Record<string, { data: BigInt64Array | Float32Array; dims: readonly number[] }>;

/** A copy of the feeds (the batcher reuses its buffers), to replay them in the reference and in PyTorch. */
function copyFeeds(feeds: Record<string, ort.Tensor>): Batch {
  const out: Batch = {};
  for (const [name, t] of Object.entries(feeds)) out[name] = { data: (t.data as BigInt64Array | Float32Array).slice(), dims: [...t.dims] };
  return out;
}

const toTensors = (b: Batch): Record<string, ort.Tensor> =>
  Object.fromEntries(Object.entries(b).map(([n, f]) => [n, new ort.Tensor(f.data instanceof BigInt64Array ? 'int64' : 'float32', f.data, f.dims)]));

async function twoForwards(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>): Promise<number> {
  const t0 = performance.now();
  await session.run(feeds, ['loss']);
  await session.run(feeds, ['loss']);
  return performance.now() - t0;
}

export async function measureEncoderTarget(o: EncoderTargetOptions): Promise<EncoderTargetResult> {
  const log = o.log ?? (() => {});
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-issue17-'));
  try {
    const configFile = writeTextEncoderWorkspace(dir);
    const overrides = [
      `steps=${o.steps}`, 'optimizer.name="mezo"', 'optimizer.lr=1e-7', 'data.eval=null', 'evalEvery=0', 'statsEvery=0', 'checkpoint.every=0',
      `engine.threads=${o.threads}`, `engine.kernelThreads=${o.kernelThreads}`, `output.runsDir=${JSON.stringify(path.join(dir, 'runs'))}`, ...(o.overrides ?? []),
    ];
    const modelPath = path.join(dir, 'model.onnx');
    const reference = (await createSession({ model: withClassificationLoss(readModel(modelPath), 'issue17-encoder'), requested: 'cpu', threads: o.threads })).session;
    const rounds: EncoderTargetResult['rounds'] = [];
    const profiles: StepProfile[] = [];
    let batches: Batch[] = [];
    let parameters = 0;
    try {
      for (let r = 0; r < o.rounds; r++) {
        const config = loadConfig(configFile, [...overrides, `output.runId="round-${r}"`].map(parseOverride)).config;
        const trainer = await Trainer.create(config, {}, { profile: true });
        parameters = trainer.manifest.model.trainableElements;
        // Record what each step feeds (bench only: the Trainer has no hook for it, and needs none).
        const engine = (trainer as unknown as { engine: TrainingEngine }).engine;
        const setBatch = engine.setBatch.bind(engine);
        batches = [];
        engine.setBatch = (feeds) => {
          batches.push(copyFeeds(feeds));
          setBatch(feeds);
        };
        try {
          await trainer.run();
        } finally {
          await trainer.close();
        }
        const profile = trainer.profile!;
        profiles.push(profile);
        const feeds = batches.map(toTensors);
        for (const f of feeds.slice(0, 3)) await twoForwards(reference, f); // warm-up, like the profiler's
        const refs: number[] = [];
        const cpu0 = process.cpuUsage();
        for (const f of feeds) refs.push(await twoForwards(reference, f));
        const cpu = process.cpuUsage(cpu0);
        const refCpuMs = (cpu.user + cpu.system) / 1000 / feeds.length;
        const stepMs = profile.step.p50Ms;
        const twoForwardsMs = median(refs);
        rounds.push({ stepMs, twoForwardsMs, ratio: twoForwardsMs / stepMs, stepsPerSecond: 1000 / stepMs, cpuMsPerStep: profile.cpuMsPerStep, twoForwardsCpuMs: refCpuMs, cpuRatio: refCpuMs / profile.cpuMsPerStep, meanWidth: profile.meanSequenceWidth, load1: load1() });
        log(
          `  encoder-1M round ${r + 1}/${o.rounds}: MeZO step ${stepMs.toFixed(1)} ms (p50), 2 fwd ${twoForwardsMs.toFixed(1)} ms, ratio ${(twoForwardsMs / stepMs).toFixed(2)}; ` +
            `CPU ${profile.cpuMsPerStep.toFixed(1)} vs ${refCpuMs.toFixed(1)} ms, ratio ${(refCpuMs / profile.cpuMsPerStep).toFixed(2)}; load ${load1()}`,
        );
      }
      const ratios = rounds.map((x) => x.ratio);
      const medianRound = rounds.indexOf([...rounds].sort((a, b) => a.ratio - b.ratio)[(rounds.length - 1) >> 1]!);
      const stepsPerSecond = median(rounds.map((x) => x.stepsPerSecond));
      const pytorch = o.pytorch ? await runPytorch(dir, modelPath, batches, reference, log) : { skipped: 'not requested (--no-pytorch)' };
      return {
        parameters,
        batch: ISSUE17_BATCH,
        threads: o.threads,
        steps: o.steps,
        rounds,
        ratioToLimit: median(ratios),
        cpuRatioToLimit: median(rounds.map((x) => x.cpuRatio)),
        stepsPerSecond,
        limitStepsPerSecond: median(rounds.map((x) => 1000 / x.twoForwardsMs)),
        profile: profiles[medianRound]!,
        pytorch,
      };
    } finally {
      await reference.release();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const ISSUE17_BATCH = 16;
const PYTHON = '/usr/bin/python3';
/**
 * Debian's torch links the system libblas.so.3; with only the reference BLAS (libblas3) a matmul
 * runs ~30x slower (measured: 0.6 steps/s). libopenblas0-pthread ships its own libblas.so.3 here:
 * put first on the child's library path, it serves torch without switching the machine's BLAS.
 */
const OPENBLAS_DIR = '/usr/lib/x86_64-linux-gnu/openblas-pthread';

/** bench/pytorch_mezo.py on the same weights and batches; a clear reason when it cannot run. */
async function runPytorch(dir: string, modelPath: string, batches: Batch[], reference: ort.InferenceSession, log: (l: string) => void): Promise<PytorchResult | { skipped: string }> {
  const openblas = fs.existsSync(path.join(OPENBLAS_DIR, 'libblas.so.3'));
  const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', ...(openblas ? { LD_LIBRARY_PATH: [OPENBLAS_DIR, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') } : {}) };
  const probe = spawnSync(PYTHON, ['-c', 'import torch, onnx'], { encoding: 'utf8', env });
  if (probe.error || probe.status !== 0) return { skipped: `${PYTHON} cannot import torch and onnx (install Debian's python3-torch and python3-onnx)` };
  const plain = (b: Batch, name: string) => {
    const f = b[name]!;
    const width = f.dims[1] ?? 1;
    const values = Array.from(f.data as BigInt64Array, Number);
    return f.dims.length === 1 ? values : Array.from({ length: f.dims[0]! }, (_, i) => values.slice(i * width, (i + 1) * width));
  };
  const spec = {
    heads: ISSUE17_ENCODER.heads,
    layers: ISSUE17_ENCODER.layers,
    eps: 1e-3,
    lr: 1e-7,
    seed: 1,
    batches: batches.map((b) => ({ input_ids: plain(b, 'input_ids'), attention_mask: plain(b, 'attention_mask'), labels: plain(b, 'labels') })),
  };
  const specFile = path.join(dir, 'batches.json');
  fs.writeFileSync(specFile, JSON.stringify(spec));
  const losses = (await reference.run(toTensors(batches[0]!), ['loss'])).loss!.data as Float32Array;
  const onnxFirstBatchLoss = losses.reduce((a, b) => a + b, 0) / losses.length;
  const blas = openblas ? 'OpenBLAS (pthread), OPENBLAS_NUM_THREADS=1' : 'the reference BLAS: install libopenblas0-pthread for a fair comparison';
  log(`  PyTorch MeZO (${PYTHON}, ${blas}) on the same ${batches.length} batches`);
  const p = spawnSync(PYTHON, [repoPath('bench/pytorch_mezo.py'), modelPath, specFile], { encoding: 'utf8', env });
  if (p.status !== 0) return { skipped: `bench/pytorch_mezo.py failed: ${(p.stderr || p.stdout).trim().split('\n').at(-1)}` };
  const out = JSON.parse(p.stdout.trim().split('\n').at(-1)!) as Omit<PytorchResult, 'onnxFirstBatchLoss' | 'blas'>;
  return { ...out, onnxFirstBatchLoss, blas };
}
