/**
 * Peak memory of `export` against model size (issue 18): writes the scale benchmark's Llama-style
 * decoder (bench/scale/llama-model.ts, random weights in external data), trains it one MeZO step
 * with every weight trainable through the CLI (so the checkpoint holds the whole model), then
 * exports it twice, each in a fresh process whose peak RSS (/usr/bin/time's maximum resident set):
 *
 *   streamed   the CLI's `export` (checkpoint read tensor by tensor, weights written one at a time);
 *   whole      the path `export` took before: the checkpoint decoded at once, every weight built in
 *              memory, then written (loadLatestCheckpoint + exportTunedModel + writeModelWithExternalData).
 *
 * `npm run bench:export-memory -- --size tiny|125m|350m [--dir /tmp]` (needs `npm run build`; 350m
 * needs ~1.4 GB of model, ~1.4 GB of checkpoint and ~1.4 GB per export on disk, and ~4 GB of memory
 * for the training step). Bytes do not depend on the machine's load.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SIZES, writeLlama } from './scale/llama-model';
import { loadLatestCheckpoint } from '../runtime/run/checkpoint';
import { readRunHeaderSync } from '../runtime/run/run-reader';
import { readModelStructure } from '../runtime/onnx/model-structure';
import { exportTunedModel } from '../runtime/onnx/export-model';
import { writeModelWithExternalData } from '../runtime/onnx/write-external';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const LM = path.join(ROOT, 'test', 'fixtures', 'lm', 'kv-llama');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

/** The former export, in this process (run as a child). */
function wholeExport(runDir: string, out: string): void {
  const config = readRunHeaderSync(runDir).manifest!.config;
  const found = loadLatestCheckpoint(runDir)!;
  const trained = new Map<string, Float32Array>();
  for (const [key, values] of found.data.tensors) if (key.startsWith('theta/') && values instanceof Float32Array) trained.set(key.slice(6), values);
  const result = exportTunedModel(readModelStructure(config.model.path), trained, null, 'model.onnx', path.dirname(config.model.path));
  fs.mkdirSync(path.dirname(out), { recursive: true });
  writeModelWithExternalData(result.model, out, path.dirname(config.model.path));
}

/** Runs a command under /usr/bin/time; returns its peak RSS in MB. */
function peakOf(command: string[]): number {
  const r = spawnSync('/usr/bin/time', ['-f', 'PEAK_KB %M', ...command], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${command.join(' ')}: ${r.stdout}\n${r.stderr}`);
  return Number(/PEAK_KB (\d+)/.exec(r.stderr)![1]) / 1024;
}

const du = (p: string): number => (fs.statSync(p).isDirectory() ? fs.readdirSync(p).reduce((a, f) => a + du(path.join(p, f)), 0) : fs.statSync(p).size);

if (process.argv.includes('--whole-child')) {
  wholeExport(arg('run', ''), arg('out', ''));
} else {
  const size = arg('size', 'tiny');
  // The kv-llama tokenizer has 2,000 tokens: the tiny size gets a table that holds them.
  const s = size === 'tiny' ? { ...SIZES.tiny, vocab: 2048 } : SIZES[size];
  if (!s) throw new Error(`--size must be one of ${Object.keys(SIZES).join(', ')}`);
  const dir = fs.mkdtempSync(path.join(arg('dir', '/tmp'), `helene-export-memory-${size}-`));
  try {
    const { parameters } = writeLlama(path.join(dir, 'model'), s);
    const config = {
      seed: 1,
      steps: 1,
      evalEvery: 0,
      statsEvery: 0,
      model: { path: path.join(dir, 'model', 'model.onnx'), task: 'causal-lm', trainablePreset: 'all' },
      data: { train: path.join(LM, 'definitions-train.jsonl'), tokenizer: path.join(LM, 'tokenizer.json'), batchSize: 1, maxLength: s.seq },
      optimizer: { name: 'mezo', lr: 1e-6 },
      engine: { provider: 'cpu', threads: 2 },
      output: { runsDir: path.join(dir, 'runs') },
    };
    fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify(config));
    const trainPeak = peakOf([process.execPath, CLI, 'train', '--config', path.join(dir, 'run.json'), '--run-id', 'r', '--quiet']);
    const run = path.join(dir, 'runs', 'r');
    const checkpointBytes = du(path.join(run, 'checkpoints'));
    const streamed = peakOf([process.execPath, CLI, 'export', run, '--out', path.join(dir, 'streamed', 'model.onnx')]);
    const streamedBytes = du(path.join(dir, 'streamed'));
    const whole = peakOf([process.execPath, '--import', 'tsx', __filename, '--whole-child', '--run', run, '--out', path.join(dir, 'whole', 'model.onnx')]);
    const MB = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;
    console.log(`Llama-style decoder ${size}: ${(parameters / 1e6).toFixed(1)} M parameters (float32 ${MB(4 * parameters)}), all trainable; checkpoint ${MB(checkpointBytes)}, export ${MB(streamedBytes)}`);
    console.log('| process | peak RSS |');
    console.log('|---|---:|');
    console.log(`| train, 1 MeZO step (for reference) | ${trainPeak.toFixed(0)} MB |`);
    console.log(`| export, streamed (the CLI now) | ${streamed.toFixed(0)} MB |`);
    console.log(`| export, whole (checkpoint decoded at once, as before) | ${whole.toFixed(0)} MB |`);
  } finally {
    if (!process.argv.includes('--keep')) fs.rmSync(dir, { recursive: true, force: true });
  }
}
