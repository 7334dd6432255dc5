/**
 * Scale benchmark (issue 18, on demand, not CI):
 *
 *   npm run bench:scale -- --size 125m|350m|1.3b [--runs mezo,helene,mezo-lora,helene-lora] [--steps 3]
 *                          [--dir /tmp] [--threads 2] [--keep] [--tag <name>]
 *
 * A run name may carry HELENE state-storage options after '+' (runtime/optim/state-storage.ts):
 * `helene+bf16` (optimizer.stateDtype bfloat16), `helene+row` (optimizer.hessianShape row),
 * `helene+bf16+row` (both); e.g. --runs helene,helene+bf16,helene+row,helene+bf16+row --tag state.
 * --tag writes bench/results/scale-<size>-<tag>.json, so the main table's file stays as it was.
 *
 * Writes a Llama-style decoder of that size with random weights as external data (llama-model.ts)
 * under --dir, then runs fresh child processes one after another:
 *   inference   ORT session straight from model.onnx (onnxruntime reads the side files), forwards;
 *   <run>       the CLI's own loading path (loadTrainingModel: structure read, trainables read into
 *               their theta buffers, session from the training graph + the model's directory),
 *               two unperturbed training-graph forwards, then --steps optimizer steps;
 * each reporting load time, forward / step times and its peak RSS (VmHWM). Results are printed as a
 * table and written to bench/results/scale-<size>.json; the generated model is deleted at the end
 * unless --keep. Memory: check `free -g` first; 1.3b needs ~5.2 GB of disk and, with MeZO, ~11 GB.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { SIZES, writeLlama } from './llama-model';
import { loadTrainingModel } from '../../runtime/run/load-model';
import { TrainingEngine } from '../../runtime/engine/training-engine';
import { createOptimizer, learningRateAt } from '../../runtime/optim';
import { KernelPool, seedFromNumber } from '../../runtime/rng';
import { SeededDirections } from '../../runtime/run/seeded-directions';
import type { TrainableLayer } from '../../runtime/optim/optimizer';
import { findCases } from '../optimizer-cases';
import type { ModelConfig, OptimizerConfig } from '../../runtime/protocol';

const LORA_TARGETS = ['self_attn\\.(q|k|v|o)_proj\\.weight$', 'mlp\\.(gate|up|down)_proj\\.weight$'];
const BATCH = 1;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

function peakRssMB(): number {
  const m = /VmHWM:\s+(\d+)\s+kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

function rssMB(): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

function ids(seq: number, vocab: number): BigInt64Array {
  const out = new BigInt64Array(BATCH * seq);
  for (let i = 0; i < out.length; i++) out[i] = BigInt((i * 7919 + 13) % vocab);
  return out;
}

const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

async function inferenceChild(dir: string, size: string, threads: number): Promise<Record<string, number>> {
  const s = SIZES[size];
  const t0 = process.hrtime.bigint();
  const session = await ort.InferenceSession.create(path.join(dir, 'model.onnx'), { graphOptimizationLevel: 'all', intraOpNumThreads: threads, interOpNumThreads: 1 });
  const loadMs = ms(t0);
  const feeds = { input_ids: new ort.Tensor('int64', ids(s.seq, s.vocab), [BATCH, s.seq]) };
  await session.run(feeds);
  const times: number[] = [];
  for (let i = 0; i < 2; i++) {
    const t = process.hrtime.bigint();
    await session.run(feeds);
    times.push(ms(t));
  }
  await session.release();
  return { loadMs, forwardMs: Math.min(...times), peakMB: peakRssMB() };
}

async function trainChild(dir: string, size: string, run: string, steps: number, threads: number): Promise<Record<string, number>> {
  const s = SIZES[size];
  const [base, ...options] = run.split('+');
  const [optimizerName, lora] = base.split('-lora') as [string, string | undefined];
  const storage = storageOptions(options);
  const model: ModelConfig = {
    path: path.join(dir, 'model.onnx'),
    task: 'causal-lm',
    logitsOutput: 'logits',
    lossOutput: 'loss',
    trainable: ['\\.weight$'],
    trainablePreset: null,
    lora: lora !== undefined ? { rank: 8, alpha: 16, targets: LORA_TARGETS, targetPreset: null, alsoTrain: [] } : { rank: 0, alpha: 0, targets: [], targetPreset: null, alsoTrain: [] },
  };
  const t0 = process.hrtime.bigint();
  const loaded = loadTrainingModel(model, 1);
  const layers: TrainableLayer[] = loaded.graph.trainables.map((t) => ({ name: t.name, shape: t.shape, size: t.size, rank: t.rank, theta: t.initial, dir: new Float32Array(t.size) }));
  const byName = new Map(loaded.graph.trainables.map((t) => [t.name, t]));
  const engine = await TrainingEngine.create(
    { model: loaded.graph.bytes, externalDataDir: loaded.externalDataDir, lossOutput: loaded.graph.lossOutput, scaleInput: loaded.graph.scaleInput, thetaInput: (n) => byName.get(n)!.thetaInput, dirInput: (n) => byName.get(n)!.dirInput },
    layers,
    { provider: 'cpu', threads, kernelThreads: threads, profileDir: dir },
  );
  byName.clear();
  const loadMs = ms(t0);
  const rssAfterLoadMB = rssMB();
  const trainable = layers.reduce((n, l) => n + l.size, 0);
  const input = new ort.Tensor('int64', ids(s.seq, s.vocab), [BATCH, s.seq]);
  engine.setBatch({ input_ids: input, labels: input });
  await engine.losses(0);
  const forwards: number[] = [];
  for (let i = 0; i < 2; i++) {
    const t = process.hrtime.bigint();
    await engine.losses(0);
    forwards.push(ms(t));
  }
  const optimizerCase = findCases([optimizerName])[0];
  const optimizer = createOptimizer(layers, { ...optimizerCase.config, ...storage }, steps);
  const pool = new KernelPool(threads);
  const directions = new SeededDirections(seedFromNumber(7), pool);
  const stepTimes: number[] = [];
  for (let t = 1; t <= steps; t++) {
    const start = process.hrtime.bigint();
    await optimizer.step({ t, lr: learningRateAt(t, optimizerCase.config.lr, 'constant', 0, steps), oracle: engine, directions, collectStats: false });
    stepTimes.push(ms(start));
  }
  await pool.close();
  await engine.release();
  return { loadMs, rssAfterLoadMB, trainable, forwardMs: Math.min(...forwards), stepMs: Math.min(...stepTimes), firstStepMs: stepTimes[0], peakMB: peakRssMB() };
}

/** The run names `--runs` takes, before any '+' options. */
const RUN_BASES = ['mezo', 'helene', 'mezo-lora', 'helene-lora'];

/** A mistake on the command line: printed as one line, without a stack. */
class UsageError extends Error {}

/** The config keys of a run name's '+' options (bf16, row). */
function storageOptions(options: string[]): Partial<OptimizerConfig> {
  const out: Partial<OptimizerConfig> = {};
  for (const o of options) {
    if (o === 'bf16') out.stateDtype = 'bfloat16';
    else if (o === 'row') out.hessianShape = 'row';
    else throw new Error(`run option "+${o}" is not one of +bf16, +row`);
  }
  return out;
}

function child(args: string[]): Record<string, number> {
  const result = spawnSync(process.execPath, [...process.execArgv, __filename, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  const line = result.stdout.trim().split('\n').pop() ?? '';
  if (result.status !== 0) throw new Error(`child ${args.join(' ')} exited with ${result.status ?? result.signal}: ${result.stdout}`);
  return JSON.parse(line);
}

async function main(): Promise<void> {
  const size = arg('size', '125m');
  if (!SIZES[size]) throw new UsageError(`--size must be one of ${Object.keys(SIZES).join(', ')}`);
  const threads = Number(arg('threads', '2'));
  const steps = Number(arg('steps', '3'));
  if (process.argv.includes('--child')) {
    const [dir, mode] = [arg('child-dir', ''), arg('child', '')];
    const out = mode === 'inference' ? await inferenceChild(dir, size, threads) : await trainChild(dir, size, mode, steps, threads);
    process.stdout.write(JSON.stringify(out) + '\n');
    return;
  }
  const runs = arg('runs', 'mezo,helene,mezo-lora,helene-lora').split(',');
  // Checked before minutes of model writing: the inference row is always measured, never a run.
  for (const run of runs) {
    const [base, ...options] = run.split('+');
    if (!RUN_BASES.includes(base)) throw new UsageError(`--runs: "${run}" is not one of ${RUN_BASES.join(', ')} (optionally with +bf16, +row); the inference row is always measured`);
    try {
      storageOptions(options);
    } catch (e) {
      throw new UsageError(`--runs: ${(e as Error).message}`);
    }
  }
  const dir = fs.mkdtempSync(path.join(arg('dir', os.tmpdir()), `helene-scale-${size}-`));
  const log = (l: string) => process.stdout.write(l + '\n');
  const loads = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
  try {
    log(`free memory ${(os.freemem() / 2 ** 30).toFixed(1)} GiB of ${(os.totalmem() / 2 ** 30).toFixed(1)}; load ${loads()}`);
    let t = process.hrtime.bigint();
    const written = writeLlama(dir, SIZES[size]);
    const bytes = written.files.reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
    log(`${size}: ${(written.parameters / 1e6).toFixed(1)} M parameters, ${(bytes / 2 ** 30).toFixed(2)} GiB in ${written.files.length} side files, written in ${(ms(t) / 1000).toFixed(1)} s`);
    const common = ['--size', size, '--threads', String(threads), '--steps', String(steps), '--child-dir', dir];
    t = process.hrtime.bigint();
    const inference = child([...common, '--child', 'inference']);
    log(`inference: load ${(inference.loadMs / 1000).toFixed(1)} s, forward ${inference.forwardMs.toFixed(0)} ms, peak RSS ${inference.peakMB.toFixed(0)} MB (load ${loads()})`);
    const rows: Record<string, unknown>[] = [];
    for (const run of runs) {
      const r = child([...common, '--child', run]);
      const overheadPerParam = ((r.peakMB - inference.peakMB) * 2 ** 20) / written.parameters;
      const row = { run, ...r, inferencePeakMB: inference.peakMB, overheadMB: r.peakMB - inference.peakMB, overheadBytesPerParam: overheadPerParam, stepOver2InferenceForwards: r.stepMs / (2 * inference.forwardMs), load1: os.loadavg()[0] };
      rows.push(row);
      log(`${run}: ${(r.trainable / 1e6).toFixed(2)} M trainable, load ${(r.loadMs / 1000).toFixed(1)} s, forward ${r.forwardMs.toFixed(0)} ms, step ${r.stepMs.toFixed(0)} ms (${(r.stepMs / (2 * inference.forwardMs)).toFixed(2)} × 2 inference forwards), peak RSS ${r.peakMB.toFixed(0)} MB = inference + ${(r.peakMB - inference.peakMB).toFixed(0)} MB (${overheadPerParam.toFixed(2)} B/param) (load ${loads()})`);
    }
    const tag = arg('tag', '');
    const out = path.resolve(__dirname, '..', 'results', `scale-${size}${tag ? `-${tag}` : ''}.json`);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, JSON.stringify({ size, shape: SIZES[size], parameters: written.parameters, sideFiles: written.files.length, modelBytes: bytes, batch: BATCH, threads, steps, machine: `${os.cpus().length} CPUs, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`, date: new Date().toISOString(), inference, runs: rows }, null, 1) + '\n');
    log(`wrote ${out}`);
  } finally {
    if (!process.argv.includes('--keep')) fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${e instanceof UsageError ? `bench:scale: ${e.message}` : e instanceof Error ? e.stack : e}\n`);
  process.exit(1);
});
