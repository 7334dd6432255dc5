/**
 * What `model.masterWeights: "stored"` costs in convergence (issue 18 item 3), on the tiny float16
 * fixture kv-llama-fp16 (every weight float16, trained in full with MeZO through the CLI). With
 * `--pretrain N`, the fixture is first trained N steps (float32 masters, lr 1e-3) and exported in
 * float16, and the comparison starts from that export: a fine-tuning start, where the loss has
 * flattened and ZO's steps are small next to float16's spacing.
 *
 * - float32 masters (the default), stored + nearest rounding, stored + stochastic rounding;
 * - per step, the fraction of float16 elements whose stored value did not change (read from a
 *   checkpoint written after every step: for float32 masters "the stored value" is the master
 *   rounded to nearest, what an export at that step would hold);
 * - the eval loss after N steps, for several seeds.
 *
 * `npm run bench:stored-masters -- [--steps 300] [--lr 0.001] [--seeds 1,2,3] [--pretrain 0] [--measure-steps 30]`
 * (needs `npm run build`). The unchanged fraction is counted over the first --measure-steps steps
 * (a checkpoint after each); the eval loss after --steps comes from a run without them.
 * Counts and losses do not depend on the machine's load.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { listCheckpoints, decodeCheckpoint } from '../runtime/run/checkpoint';
import { roundHalfNearest } from '../runtime/run/stored-masters';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const CONFIG = path.join(ROOT, 'test', 'fixtures', 'lm', 'kv-llama-fp16', 'finetune.json');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const steps = Number(arg('steps', '300'));
const lr = arg('lr', '0.001');
const seeds = arg('seeds', '1,2,3').split(',').map(Number);
const pretrain = Number(arg('pretrain', '0'));
const measureSteps = Number(arg('measure-steps', '30'));
const MODES = [
  { label: 'float32 masters', sets: ['model.masterWeights=float32'] },
  { label: 'stored, nearest', sets: ['model.masterWeights=stored', 'model.storedRounding=nearest'] },
  { label: 'stored, stochastic', sets: ['model.masterWeights=stored', 'model.storedRounding=stochastic'] },
];

/** θ of every float16 trainable (all of them in this fixture), rounded to nearest: the stored values. */
function storedValues(file: string): Float32Array[] {
  const data = decodeCheckpoint(fs.readFileSync(file), file);
  return [...data.tensors].filter(([k]) => k.startsWith('theta/')).map(([, v]) => {
    const copy = Float32Array.from(v);
    roundHalfNearest(copy);
    return copy;
  });
}

interface Result {
  unchangedMean: number;
  unchangedFirst: number;
  unchangedLast: number;
  evalLoss: number;
  evalStart: number;
}

function train(config: string, id: string, work: string, stepCount: number, sets: string[]): string {
  const args = [CLI, 'train', '--config', config, '--runs-dir', work, '--run-id', id, '--threads', '1', '--steps', String(stepCount), '--set', `evalEvery=${stepCount}`, '--set', 'guards.explosion.factor=1000', '--quiet'];
  for (const s of sets) args.push('--set', s);
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${id}: ${r.stdout}\n${r.stderr}`);
  return path.join(work, id);
}

function runOne(config: string, sets: string[], seed: number, work: string): Result {
  const id = `r${seed}-${sets.join('-').replace(/[^a-z0-9]+/gi, '')}`;
  const common = [`seed=${seed}`, `optimizer.lr=${lr}`, ...sets];
  const measured = train(config, `${id}-m`, work, measureSteps, [...common, 'checkpoint.every=1', `checkpoint.keep=${measureSteps + 10}`]);
  const files = listCheckpoints(measured).reverse();
  const fractions: number[] = [];
  let previous = storedValues(files[0].file);
  for (const { file } of files.slice(1)) {
    const current = storedValues(file);
    let same = 0;
    let total = 0;
    current.forEach((values, l) => {
      for (let j = 0; j < values.length; j++) if (values[j] === previous[l][j]) same++;
      total += values.length;
    });
    fractions.push(same / total);
    previous = current;
  }
  fs.rmSync(measured, { recursive: true, force: true });
  const dir = train(config, id, work, steps, common);
  const evals = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"kind":"eval"')).map((l) => JSON.parse(l) as { t: number; loss: number });
  fs.rmSync(dir, { recursive: true, force: true });
  return {
    unchangedMean: fractions.reduce((a, b) => a + b, 0) / fractions.length,
    unchangedFirst: fractions[0],
    unchangedLast: fractions[fractions.length - 1],
    evalLoss: evals[evals.length - 1].loss,
    evalStart: evals[0].loss,
  };
}

/** The fixture trained `pretrain` steps and exported in float16, with a config for it (absolute paths). */
function pretrained(work: string): string {
  if (pretrain === 0) return CONFIG;
  const dir = train(CONFIG, 'pretrain', work, pretrain, ['seed=100', 'optimizer.lr=0.001']);
  const out = path.join(work, 'pretrained', 'model.onnx');
  const r = spawnSync(process.execPath, [CLI, 'export', dir, '--out', out], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`export: ${r.stderr}`);
  const base = JSON.parse(fs.readFileSync(CONFIG, 'utf8'));
  const fixture = path.dirname(CONFIG);
  base.model.path = out;
  base.data.train = path.join(fixture, base.data.train);
  base.data.eval = path.join(fixture, base.data.eval);
  const config = path.join(work, 'pretrained', 'finetune.json');
  fs.writeFileSync(config, JSON.stringify(base));
  return config;
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-stored-masters-'));
const config = pretrained(work);
console.log(`kv-llama-fp16${pretrain ? ` after ${pretrain} steps of pre-training (exported in float16)` : ''}, MeZO, all weights, lr ${lr}, ${steps} steps, batch 8; seeds ${seeds.join(', ')}`);
console.log(`| masters | seed | float16 elements unchanged per step, steps 2–${measureSteps} (mean; step 2, last) | eval loss at 0 → ${steps} |`);
console.log('|---|---:|---|---|');
for (const mode of MODES) {
  const finals: number[] = [];
  for (const seed of seeds) {
    const r = runOne(config, mode.sets, seed, work);
    finals.push(r.evalLoss);
    console.log(`| ${mode.label} | ${seed} | ${(100 * r.unchangedMean).toFixed(1)} % (${(100 * r.unchangedFirst).toFixed(1)} %, ${(100 * r.unchangedLast).toFixed(1)} %) | ${r.evalStart.toFixed(4)} → ${r.evalLoss.toFixed(4)} |`);
  }
  console.log(`| ${mode.label} | mean | | ${(finals.reduce((a, b) => a + b, 0) / finals.length).toFixed(4)} |`);
}
fs.rmSync(work, { recursive: true, force: true });
