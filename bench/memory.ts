/**
 * Peak resident memory of training versus inference, each in a fresh child process (peak RSS never
 * goes down within a process). The parent writes, once per model:
 *   inference.onnx  the model with loss head and weights as initializers (what inference loads)
 *   training.onnx   the prepared training graph (weights removed: theta/dir are inputs)
 *   theta.bin       the initial weights, raw float32, layer after layer
 * Children:
 *   inference      ORT session from inference.onnx, a few forward passes
 *   train:<opt>    theta from theta.bin into one Float32Array per layer, engine from training.onnx,
 *                  optimizer, directions (kernel pool), a few steps incl. a statistics step
 * and each reports its peak RSS (VmHWM, see peakRssKB). Overhead ratio = (train − inference) /
 * (ideal bytes per element × trainable elements). Inference already holds the weights once, so
 * training ideally adds one float32 buffer per element for the direction (z, fed as `::dir`) plus
 * the optimizer state: 12 bytes for HELENE (dir, m, h: the spec's "theta, m, h" count), 12 for
 * ZO-Adam (dir, m, v), 8 for HiZOO (dir, H), 4 for MeZO and FZOO (dir). The difference also holds everything else training adds (the in-graph perturbed copy of
 * the layer being consumed, staging buffers, JS heap); that is the "small constant".
 *
 * LoRA variants (`<model>-lora<r>`): the trainables are the adapters A and B only; the base weights
 * stay frozen initializers in training.onnx as in inference.onnx (the base model without adapters),
 * so the ideal is bytes × adapter elements; `ratioToFullModel` divides the same overhead by bytes ×
 * the whole model's elements (what full fine-tuning would ideally add) to show which one it follows.
 *
 * This is the engine path, not `helene-studio train`: the CLI also parses the user's .onnx in JS
 * (a transient copy of the weights at load) — see docs/benchmarks.md.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { createOptimizer, learningRateAt } from '../runtime/optim';
import { KernelPool, seedFromNumber } from '../runtime/rng';
import { SeededDirections } from '../runtime/run/seeded-directions';
import { TimedDirections, TimedOracle } from '../runtime/run/instrumented';
import type { TrainableLayer } from '../runtime/optim/optimizer';
import { findModels, type BenchModel } from './models';
import { findCases } from './optimizer-cases';
import { TrainingEngine } from '../runtime/engine/training-engine';
import { inferenceModelBytes, toFeeds, trainingGraph, type EngineSettings } from './setup';
import { load1 } from './stats';

/** Bytes per trainable element that training ideally adds over inference, per optimizer. */
export const IDEAL_BYTES: Record<string, number> = { mezo: 4, helene: 12, 'helene-rho': 12, 'zo-adam': 12, hizoo: 8, fzoo: 4 };

export interface MemoryResult {
  model: string;
  /** Trainable elements (the adapters' for LoRA). */
  parameters: number;
  /** Elements of the whole model (= parameters without LoRA). */
  baseParameters: number;
  /** LoRA settings, or null for full fine-tuning. */
  lora: { rank: number; alpha: number; targets: string[] } | null;
  /** Smallest of inferenceSamplesMB (one per fresh process, --memory-repeats). */
  inferencePeakMB: number;
  inferenceSamplesMB: number[];
  runs: {
    optimizer: string;
    /** Smallest of samplesMB. */
    peakMB: number;
    samplesMB: number[];
    overheadMB: number;
    /** Ideal bytes per element × trainable elements. */
    idealMB: number;
    ratio: number;
    /** Ideal bytes per element × baseParameters (full fine-tuning's ideal). */
    fullModelIdealMB: number;
    ratioToFullModel: number;
    load1: number;
  }[];
}

interface Prepared {
  dir: string;
  layers: { name: string; shape: number[]; size: number; rank: number }[];
}

function prepare(model: BenchModel, root: string): Prepared {
  const dir = path.join(root, model.id);
  fs.mkdirSync(dir, { recursive: true });
  const graph = trainingGraph(model);
  fs.writeFileSync(path.join(dir, 'training.onnx'), graph.bytes);
  fs.writeFileSync(path.join(dir, 'inference.onnx'), inferenceModelBytes(model));
  const fd = fs.openSync(path.join(dir, 'theta.bin'), 'w');
  for (const t of graph.trainables) fs.writeSync(fd, new Uint8Array(t.initial.buffer, t.initial.byteOffset, t.initial.byteLength));
  fs.closeSync(fd);
  const elements = graph.trainables.reduce((n, t) => n + t.size, 0);
  if (elements !== model.parameters) throw new Error(`${model.id}: the training graph has ${elements} trainable elements, the bench model says ${model.parameters}`);
  const layers = graph.trainables.map((t) => ({ name: t.name, shape: t.shape, size: t.size, rank: t.rank, thetaInput: t.thetaInput, dirInput: t.dirInput }));
  fs.writeFileSync(path.join(dir, 'layers.json'), JSON.stringify({ layers, lossOutput: graph.lossOutput, scaleInput: graph.scaleInput }));
  return { dir, layers };
}

function runChild(script: string, args: string[]): Promise<{ maxRssKB: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`memory child ${args.join(' ')} exited with ${code}: ${out}`));
      try {
        resolve(JSON.parse(line));
      } catch {
        reject(new Error(`memory child ${args.join(' ')} printed no result: ${out}`));
      }
    });
  });
}

/**
 * Each configuration runs `repeats` times in fresh processes and the smallest peak is kept (all
 * samples are in the JSON): peak RSS noise is one-sided (a transient allocation that happened to
 * coincide), and the inference baseline was seen to jump by ~120 MB between identical runs. The
 * inference baseline is measured once per base model and shared by its LoRA variants (the same
 * inference.onnx).
 */
export async function measureMemory(script: string, models: BenchModel[], optimizers: string[], settings: EngineSettings, log: (l: string) => void, repeats = 1): Promise<MemoryResult[]> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-bench-mem-'));
  const results: MemoryResult[] = [];
  const inferenceByBase = new Map<string, number[]>();
  const sample = async (args: string[]): Promise<number[]> => {
    const out: number[] = [];
    for (let i = 0; i < Math.max(1, repeats); i++) out.push((await runChild(script, args)).maxRssKB / 1024);
    return out;
  };
  const samplesText = (s: number[]) => (s.length > 1 ? ` (samples ${s.map((x) => x.toFixed(0)).join('/')})` : '');
  try {
    for (const model of models) {
      const prepared = prepare(model, root);
      const common = ['--memory-child', prepared.dir, model.id, '--provider', settings.provider, '--threads', String(settings.threads), '--kernel-threads', String(settings.kernelThreads)];
      let inferenceSamplesMB = inferenceByBase.get(model.baseId);
      if (!inferenceSamplesMB) {
        inferenceSamplesMB = await sample([...common, 'inference']);
        inferenceByBase.set(model.baseId, inferenceSamplesMB);
      }
      const inferenceMB = Math.min(...inferenceSamplesMB);
      log(`  ${model.id} inference (${model.baseId}) peak ${inferenceMB.toFixed(0)} MB${samplesText(inferenceSamplesMB)}`);
      const runs: MemoryResult['runs'] = [];
      for (const opt of optimizers) {
        const samplesMB = await sample([...common, opt]);
        const peakMB = Math.min(...samplesMB);
        const bytes = IDEAL_BYTES[opt] ?? 12;
        const idealMB = (bytes * model.parameters) / 1048576;
        const fullModelIdealMB = (bytes * model.baseParameters) / 1048576;
        const overheadMB = peakMB - inferenceMB;
        runs.push({ optimizer: opt, peakMB, samplesMB, overheadMB, idealMB, ratio: overheadMB / idealMB, fullModelIdealMB, ratioToFullModel: overheadMB / fullModelIdealMB, load1: load1() });
        log(`  ${model.id} ${opt} peak ${peakMB.toFixed(0)} MB${samplesText(samplesMB)}, overhead ${overheadMB.toFixed(0)} MB, ideal ${idealMB.toFixed(1)} MB`);
      }
      results.push({ model: model.id, parameters: model.parameters, baseParameters: model.baseParameters, lora: model.lora ?? null, inferencePeakMB: inferenceMB, inferenceSamplesMB, runs });
      fs.rmSync(prepared.dir, { recursive: true, force: true });
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  return results;
}

/** The child side: run one configuration, print {"maxRssKB": n}. */
export async function memoryChild(dir: string, modelId: string, mode: string, settings: EngineSettings): Promise<void> {
  const model = findModels([modelId])[0]!;
  const feeds = toFeeds(model, 1);
  if (mode === 'inference') {
    const session = await ort.InferenceSession.create(path.join(dir, 'inference.onnx'), {
      executionProviders: [settings.provider === 'cuda' ? 'cuda' : 'cpu'],
      graphOptimizationLevel: 'all',
      intraOpNumThreads: settings.threads,
      interOpNumThreads: 1,
    });
    for (let i = 0; i < 6; i++) await session.run(feeds, ['loss']);
    await session.release();
  } else {
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'layers.json'), 'utf8')) as { layers: (TrainableLayer & { thetaInput: string; dirInput: string })[]; lossOutput: string; scaleInput: string };
    const fd = fs.openSync(path.join(dir, 'theta.bin'), 'r');
    const layers: TrainableLayer[] = meta.layers.map((l) => {
      const theta = new Float32Array(l.size);
      fs.readSync(fd, new Uint8Array(theta.buffer));
      return { name: l.name, shape: l.shape, size: l.size, rank: l.rank, theta, dir: new Float32Array(l.size) };
    });
    fs.closeSync(fd);
    const byName = new Map(meta.layers.map((l) => [l.name, l]));
    const engine = await TrainingEngine.create(
      { model: path.join(dir, 'training.onnx'), lossOutput: meta.lossOutput, scaleInput: meta.scaleInput, thetaInput: (n) => byName.get(n)!.thetaInput, dirInput: (n) => byName.get(n)!.dirInput },
      layers,
      { provider: settings.provider, threads: settings.threads, kernelThreads: settings.kernelThreads, profileDir: dir },
    );
    engine.setBatch(feeds);
    const optimizerCase = findCases([mode])[0]!;
    const steps = 4;
    const optimizer = createOptimizer(layers, optimizerCase.config, steps);
    const pool = new KernelPool(settings.kernelThreads);
    const oracle = new TimedOracle(engine);
    const directions = new TimedDirections(new SeededDirections(seedFromNumber(7), pool));
    for (let t = 1; t <= steps; t++) {
      const lr = learningRateAt(t, optimizerCase.config.lr, 'constant', 0, steps);
      await optimizer.step({ t, lr, oracle, directions, collectStats: t === steps });
      if (t === steps) optimizer.layerStats(lr);
    }
    await pool.close();
    await engine.release();
  }
  process.stdout.write(JSON.stringify({ maxRssKB: peakRssKB() }) + '\n');
}

/**
 * Peak RSS of this process's address space. Not process.resourceUsage().maxRSS: getrusage keeps the
 * high-water mark across exec, and libuv spawns with a vfork-like clone, so every child reported the
 * parent's peak (the first run of this benchmark printed identical numbers for every child).
 * /proc/self/status VmHWM belongs to the new address space made by exec.
 */
function peakRssKB(): number {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    // not Linux: fall through
  }
  return process.resourceUsage().maxRSS;
}
