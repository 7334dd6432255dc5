/**
 * `npm run bench:profile`: the step profile (runtime/run/step-profiler.ts) of real training runs,
 * through the CLI exactly as a user runs `helene-studio train --profile`, for one or more builds
 * (to compare before/after a change), repeated and interleaved so a shared machine's load drift
 * hits every variant alike. Prints min and median steps/s and process CPU time per step (far less
 * sensitive to other load than wall time) per variant, and the profile table of the median run;
 * writes every profile to --out.
 *
 *   npm run bench:profile                                  tiny encoder, MeZO and HELENE, this build
 *   npm run bench:profile -- --cli before=/tmp/old/dist/cli.js --cli after=dist/cli.js --bucket-clis after
 *   options: --config file (default the tiny encoder's finetune-head.json)  --optimizers mezo,helene
 *            --presets head,all (model.trainablePreset)  --batches 16,32  --steps n (default 300)
 *            --repeats n (default 3)  --threads n (ORT intra-op, default 2)
 *            --bucket-clis a,b (also run those builds with data.bucketByLength)  --out file.json
 *            --variant 'name:key=value;key=value' (repeatable: each run also with these overrides)
 * Evaluation, statistics and checkpoints are off; the lr is tiny (speed does not depend on it, and
 * no divergence guard can stop a run). Timings are never asserted anywhere.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { StepProfile } from '../runtime/protocol';
import { formatProfile } from '../runtime/run/step-profiler';
import { load1, median } from './stats';

const { values } = parseArgs({
  options: {
    config: { type: 'string', default: 'test/fixtures/lm/tiny-encoder/finetune-head.json' },
    cli: { type: 'string', multiple: true },
    optimizers: { type: 'string', default: 'mezo,helene' },
    presets: { type: 'string', default: 'head' },
    batches: { type: 'string', default: '32' },
    steps: { type: 'string', default: '300' },
    repeats: { type: 'string', default: '3' },
    threads: { type: 'string', default: '2' },
    'bucket-clis': { type: 'string', default: '' },
    out: { type: 'string', default: 'bench/results/step-profile.json' },
    variant: { type: 'string', multiple: true },
  },
});
// --variant 'name:key=value;key=value' (repeatable): every run is also made with these overrides, as its own variant.
const extraVariants = (values.variant ?? []).map((v) => ({ name: v.slice(0, v.indexOf(':')), overrides: v.slice(v.indexOf(':') + 1).split(';').filter(Boolean) }));

const clis = (values.cli?.length ? values.cli : ['this=dist/cli.js']).map((s) => {
  const [label, file] = s.includes('=') ? [s.slice(0, s.indexOf('=')), s.slice(s.indexOf('=') + 1)] : [s, s];
  return { label, file: path.resolve(file) };
});
const bucketClis = new Set(values['bucket-clis']!.split(',').filter(Boolean));
const list = (s: string) => s.split(',').filter(Boolean);

interface Variant {
  name: string;
  cli: string;
  overrides: string[];
}

const variants: Variant[] = [];
for (const preset of list(values.presets!)) {
  for (const batch of list(values.batches!)) {
    for (const optimizer of list(values.optimizers!)) {
      for (const c of clis) {
        for (const bucket of bucketClis.has(c.label) ? [false, true] : [false]) for (const extra of extraVariants.length ? extraVariants : [{ name: '', overrides: [] }]) {
          variants.push({
            name: `${c.label}${bucket ? '+bucket' : ''}${extra.name ? ` ${extra.name}` : ''} ${optimizer} ${preset} B${batch}`,
            cli: c.file,
            overrides: [
              `optimizer.name="${optimizer}"`, 'optimizer.lr=1e-7', `model.trainablePreset="${preset}"`, `data.batchSize=${batch}`,
              'data.eval=null', 'evalEvery=0', 'statsEvery=0', 'checkpoint.every=0', `engine.threads=${values.threads}`,
              ...(bucket ? ['data.bucketByLength=true'] : []),
              ...extra.overrides,
            ],
          });
        }
      }
    }
  }
}

const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-step-profile-'));
const results = new Map<string, { profile: StepProfile; load1: number }[]>(variants.map((v) => [v.name, []]));
const repeats = Number(values.repeats);
for (let r = 0; r < repeats; r++) {
  for (const v of variants) {
    const runId = `r${r}-${variants.indexOf(v)}`;
    const args = [v.cli, 'train', '--config', values.config!, '--steps', values.steps!, '--runs-dir', runsDir, '--run-id', runId, '--profile', '--quiet', ...v.overrides.flatMap((o) => ['--set', o])];
    const before = load1();
    const p = spawnSync(process.execPath, args, { encoding: 'utf8' });
    if (p.status !== 0) throw new Error(`${v.name}: ${p.stderr || p.stdout}`);
    const profile = JSON.parse(fs.readFileSync(path.join(runsDir, runId, 'profile.json'), 'utf8')) as StepProfile;
    results.get(v.name)!.push({ profile, load1: before });
    process.stderr.write(`round ${r + 1}/${repeats} ${v.name}: ${profile.stepsPerSecond.toFixed(1)} steps/s (load ${before})\n`);
  }
}
fs.rmSync(runsDir, { recursive: true, force: true });

const summary = variants.map((v) => {
  const runs = results.get(v.name)!;
  const rates = runs.map((x) => x.profile.stepsPerSecond);
  const sorted = [...runs].sort((a, b) => a.profile.stepsPerSecond - b.profile.stepsPerSecond);
  const medianRun = sorted[(sorted.length - 1) >> 1].profile;
  const cpu = runs.map((x) => x.profile.cpuMsPerStep);
  return { name: v.name, overrides: v.overrides, minStepsPerSecond: Math.min(...rates), medianStepsPerSecond: median(rates), maxStepsPerSecond: Math.max(...rates), minCpuMsPerStep: Math.min(...cpu), medianCpuMsPerStep: median(cpu), load1: runs.map((x) => x.load1), medianRun, runs: runs.map(({ profile: p }) => ({ stepsPerSecond: p.stepsPerSecond, cpuMsPerStep: p.cpuMsPerStep, step: p.step, meanSequenceWidth: p.meanSequenceWidth })) };
});
const nameWidth = Math.max(...summary.map((s) => s.name.length));
process.stdout.write(`\n${'variant'.padEnd(nameWidth)}  steps/s min  median    max  CPU ms/step min  median  mean width  load1\n`);
for (const s of summary) {
  const w = s.medianRun.meanSequenceWidth;
  process.stdout.write(`${s.name.padEnd(nameWidth)}  ${s.minStepsPerSecond.toFixed(1).padStart(11)} ${s.medianStepsPerSecond.toFixed(1).padStart(7)} ${s.maxStepsPerSecond.toFixed(1).padStart(6)}  ${s.minCpuMsPerStep.toFixed(2).padStart(15)} ${s.medianCpuMsPerStep.toFixed(2).padStart(7)}  ${(w === null ? '-' : w.toFixed(1)).padStart(10)}  ${s.load1.join('/')}\n`);
}
for (const s of summary) process.stdout.write(`\n${s.name} (median run)\n${formatProfile(s.medianRun)}`);
fs.mkdirSync(path.dirname(path.resolve(values.out!)), { recursive: true });
fs.writeFileSync(values.out!, JSON.stringify({ at: new Date().toISOString(), cpus: os.cpus().length, config: values.config, steps: Number(values.steps), repeats, variants: summary }, null, 1));
process.stdout.write(`\nwritten: ${values.out}\n`);
