/**
 * `npm run bench`: step throughput and memory of every optimizer on the built-in benchmark models.
 *
 *   npm run bench                      issue 17's targets: the 1 M text encoder (+ PyTorch) and the 1M /
 *                                      10M / 50M transformers with MeZO, HELENE (paper) and the HELENE
 *                                      preset; prints the ratios next to their targets and the profile
 *                                      of one step (under 10 minutes on 2 cores)
 *   npm run bench -- --full            every model (MLP and transformer, 1M-50M), every optimizer,
 *                                      and the memory table (well over 10 minutes on 2 cores)
 *   npm run bench -- --quick           smoke run on the tiny models (under a minute)
 *   npm run bench -- --provider cuda   on a GPU machine (after `npm run install:cuda`)
 *   npm run bench -- --models transformer-50M --optimizers mezo,helene,helene-layerwise --no-memory
 *                                      issue 17's targets alone (the encoder and PyTorch lines included)
 *   options: --models a,b  --optimizers a,b  --memory-models a,b  --memory-optimizers a,b
 *            --memory-repeats n (fresh processes per memory configuration, smallest peak kept; default 1)
 *            --no-memory  --rounds n  --steps n
 *            --threads n (ORT intra-op, default 2)  --kernel-threads n (default 2)  --out file.json
 *            --no-encoder (skip the 1 M text-encoder target)  --encoder-steps n  --encoder-rounds n
 *            --no-pytorch (skip bench/pytorch_mezo.py)
 *   model ids: bench/models.ts, plus <transformer id>-lora<r> (LoRA rank r on the blocks' matrices),
 *   e.g. --models '' --memory-models transformer-50M,transformer-50M-lora8 --memory-optimizers mezo,helene
 *
 * Prints the tables, then issue 17's targets next to their measured ratios (targets.ts), and writes JSON (default bench/results/latest.json). docs/benchmarks.md says
 * how to read them. Timings are never asserted anywhere: the machine is shared and noisy.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { findModels } from './models';
import { findCases } from './optimizer-cases';
import { measureThroughput, type ModelThroughput } from './throughput';
import { measureMemory, memoryChild, type MemoryResult } from './memory';
import { memoryTable, throughputTable } from './report';
import type { EngineSettings } from './setup';
import type { RequestedProvider } from '../runtime/protocol';
import { formatProfile } from '../runtime/run/step-profiler';
import { measureEncoderTarget, type EncoderTargetResult } from './encoder-target';
import { issue17Targets, targetsTable } from './targets';

interface Options {
  quick: boolean;
  models: string[];
  optimizers: string[];
  memoryModels: string[];
  memoryOptimizers: string[];
  memoryRepeats: number;
  rounds: number;
  steps: number;
  referencePairs: number;
  encoder: { rounds: number; steps: number; pytorch: boolean } | null;
  out: string;
  settings: EngineSettings;
}

/** The default: what issue 17's targets need, and nothing else, so one run fits in 10 minutes on 2 cores. */
const TARGETS = {
  models: ['transformer-1M', 'transformer-10M', 'transformer-50M'],
  optimizers: ['mezo', 'helene', 'helene-layerwise'],
  memoryModels: [] as string[],
  memoryOptimizers: ['mezo', 'helene', 'zo-adam'],
  rounds: 2,
  steps: 3,
  referencePairs: 2,
  encoderRounds: 3,
  encoderSteps: 300,
};
const FULL = {
  models: ['mlp-1M', 'transformer-1M', 'mlp-10M', 'transformer-10M', 'mlp-50M', 'transformer-50M'],
  optimizers: ['mezo', 'helene', 'helene-layerwise', 'zo-adam', 'hizoo', 'fzoo'],
  memoryModels: ['transformer-10M', 'mlp-50M', 'transformer-50M'],
  memoryOptimizers: ['mezo', 'helene', 'zo-adam'],
  rounds: 3,
  steps: 3,
  referencePairs: 2,
  encoderRounds: 3,
  encoderSteps: 300,
};
const QUICK = {
  models: ['mlp-tiny', 'transformer-tiny'],
  optimizers: ['mezo', 'helene', 'helene-rho', 'zo-adam', 'hizoo', 'fzoo'],
  memoryModels: ['mlp-tiny', 'transformer-tiny-lora8'],
  memoryOptimizers: ['mezo', 'helene'],
  rounds: 2,
  steps: 2,
  referencePairs: 1,
  encoderRounds: 1,
  encoderSteps: 20,
};

function parse(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const base = quick ? QUICK : argv.includes('--full') ? FULL : TARGETS;
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const list = (name: string, fallback: string[]) => (value(name) !== undefined ? value(name)!.split(',').filter(Boolean) : fallback);
  const int = (name: string, fallback: number) => {
    const v = value(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name} needs a non-negative integer, got ${v}`);
    return n;
  };
  const provider = (value('--provider') ?? 'cpu') as RequestedProvider;
  if (!['cpu', 'cuda', 'auto'].includes(provider)) throw new Error(`--provider must be cpu, cuda or auto, got ${provider}`);
  return {
    quick,
    models: list('--models', base.models),
    optimizers: list('--optimizers', base.optimizers),
    memoryModels: argv.includes('--no-memory') ? [] : list('--memory-models', base.memoryModels),
    memoryOptimizers: list('--memory-optimizers', base.memoryOptimizers),
    memoryRepeats: Math.max(1, int('--memory-repeats', 1)),
    rounds: Math.max(1, int('--rounds', base.rounds)),
    steps: Math.max(1, int('--steps', base.steps)),
    referencePairs: Math.max(1, int('--reference-pairs', base.referencePairs)),
    encoder: argv.includes('--no-encoder')
      ? null
      : { rounds: Math.max(1, int('--encoder-rounds', base.encoderRounds)), steps: Math.max(10, int('--encoder-steps', base.encoderSteps)), pytorch: !quick && !argv.includes('--no-pytorch') },
    out: value('--out') ?? path.join(__dirname, '..', 'results', quick ? 'quick.json' : 'latest.json'),
    settings: { provider, threads: int('--threads', 2), kernelThreads: int('--kernel-threads', 2) },
  };
}

function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    platform: `${os.platform()} ${os.release()}`,
    node: process.version,
    onnxruntime: ort.env.versions?.common ?? 'unknown',
    loadavgAtStart: os.loadavg().map((l) => Number(l.toFixed(2))),
  };
}

async function main(argv: string[]): Promise<void> {
  const childAt = argv.indexOf('--memory-child');
  const o = parse(argv);
  if (childAt >= 0) {
    const [dir, modelId, mode] = [argv[childAt + 1]!, argv[childAt + 2]!, argv[argv.length - 1]!];
    await memoryChild(dir, modelId, mode, o.settings);
    return;
  }
  const started = Date.now();
  const log = (line: string) => console.error(line);
  const info = machine();
  log(`helene-studio bench${o.quick ? ' --quick' : ''}: ${info.cpu} × ${info.cores}, load ${JSON.stringify(info.loadavgAtStart)}, provider ${o.settings.provider}`);
  const cases = findCases(o.optimizers);
  const throughput: ModelThroughput[] = [];
  for (const model of findModels(o.models)) {
    log(`throughput ${model.id} (${(model.parameters / 1e6).toFixed(2)}M trainable)`);
    const r = await measureThroughput(model, cases, o.settings, { rounds: o.rounds, steps: o.steps, referencePairs: o.referencePairs, log });
    throughput.push(r);
    console.log('\n' + throughputTable(r) + '\n');
  }
  let encoder: EncoderTargetResult | null = null;
  if (o.encoder) {
    log(`issue 17: MeZO on the ~1M text encoder vs two plain forwards (${o.encoder.rounds} × ${o.encoder.steps} steps)`);
    encoder = await measureEncoderTarget({ ...o.encoder, threads: o.settings.threads, kernelThreads: o.settings.kernelThreads, log });
  }
  let memory: MemoryResult[] = [];
  if (o.memoryModels.length > 0) {
    log('memory (peak RSS of fresh processes)');
    memory = await measureMemory(process.argv[1]!, findModels(o.memoryModels), o.memoryOptimizers, o.settings, log, o.memoryRepeats);
    console.log('\n' + memoryTable(memory) + '\n');
  }
  // Last, so the profile of one step and the targets are the final lines printed.
  if (encoder) console.log(`\nthe profile of one step (MeZO, the ${(encoder.parameters / 1e6).toFixed(2)}M text encoder, the median round):\n` + formatProfile(encoder.profile));
  const targets = issue17Targets(throughput, encoder);
  if (targets.length > 0) console.log('\n' + targetsTable(targets, os.loadavg()) + '\n');
  const result = {
    kind: 'helene-studio-bench',
    version: 1,
    createdAt: new Date().toISOString(),
    quick: o.quick,
    machine: { ...info, loadavgAtEnd: os.loadavg().map((l) => Number(l.toFixed(2))) },
    settings: { ...o.settings, rounds: o.rounds, steps: o.steps, referencePairs: o.referencePairs, memoryRepeats: o.memoryRepeats },
    wallSeconds: (Date.now() - started) / 1000,
    throughput,
    encoder,
    targets,
    memory,
  };
  fs.mkdirSync(path.dirname(o.out), { recursive: true });
  fs.writeFileSync(o.out, JSON.stringify(result, null, 2) + '\n');
  log(`wrote ${o.out} (${result.wallSeconds.toFixed(0)} s)`);
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
