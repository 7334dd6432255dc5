/**
 * Convergence of HELENE's state-storage options (issue 18 item 4; runtime/optim/state-storage.ts):
 * float32 m and h (the spec) against bfloat16 m and h, per-row h, and both, on two tuning and two
 * held-out tasks of the held-out protocol (docs/heldout.md), 3 seeds, the protocol's step budgets.
 *
 *   npm run bench:state-storage                       # runs everything, prints the table, writes the JSON
 *   npm run bench:state-storage -- --render <file>    # the table again from the JSON
 *   options: --tasks a,b  --optimizers helene-paper,helene-recommended  --seeds 3  --out file.json
 *
 * The lr is NOT chosen again: each optimizer runs at the lr the protocol's lr rule chose for it with
 * float32 state (read from the committed protocol results, LR_SOURCES), so the options are compared
 * at equal settings and nothing is tuned on the held-out tasks.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { suiteTask } from './split';
import { BENCH_OPTIMIZERS } from './optimizers';
import { runOne, type RunResult } from './run-one';

const RESULTS = path.join('bench', 'convergence', 'results');
/** The protocol runs whose float32 lr choices are reused. */
const LR_SOURCES = ['tuning-part1.json', 'tuning-part2.json', 'heldout-part1.json', 'heldout-part2.json'].map((f) => path.join(RESULTS, f));
const DEFAULT_TASKS = ['least-squares', 'tiny-encoder-full', 'least-squares-wide', 'gcide-encoder-full'];
const DEFAULT_OPTIMIZERS = ['helene-paper', 'helene-recommended'];

export const STORAGE_OPTIONS: { label: string; config: Record<string, string> }[] = [
  { label: 'float32', config: {} },
  { label: 'bf16', config: { stateDtype: 'bfloat16' } },
  { label: 'row', config: { hessianShape: 'row' } },
  { label: 'bf16+row', config: { stateDtype: 'bfloat16', hessianShape: 'row' } },
];

interface Row {
  task: string;
  split: string;
  optimizer: string;
  lr: number;
  storage: string;
  runs: RunResult[];
}

interface Output {
  command: string;
  date: string;
  seconds: number;
  machine: string;
  loadBefore: number[];
  loadAfter: number[];
  rows: Row[];
}

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** The lr the protocol chose for an optimizer on a task (with float32 state). */
function protocolLr(task: string, optimizer: string): number {
  for (const file of LR_SOURCES) {
    if (!fs.existsSync(file)) continue;
    const results = (JSON.parse(fs.readFileSync(file, 'utf8')) as { results: { task: string; optimizers: { label: string; lr: number | null }[] }[] }).results;
    const lr = results.find((r) => r.task === task)?.optimizers.find((o) => o.label === optimizer)?.lr;
    if (typeof lr === 'number') return lr;
  }
  throw new Error(`no protocol lr for ${optimizer} on ${task} in ${LR_SOURCES.join(', ')}`);
}

const finalLoss = (r: RunResult): number => (r.diverged ? Infinity : (r.evals.at(-1)?.loss ?? NaN));
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

export function renderTable(rows: Row[]): string {
  const lines = [
    '| task (split) | optimizer, lr | state | final eval loss, seeds 1, 2, 3 | mean | ratio to float32 |',
    '|---|---|---|---|---:|---:|',
  ];
  for (const row of rows) {
    const base = rows.find((r) => r.task === row.task && r.optimizer === row.optimizer && r.storage === 'float32');
    const m = mean(row.runs.map(finalLoss));
    const ratio = base ? m / mean(base.runs.map(finalLoss)) : NaN;
    lines.push(`| ${row.task} (${row.split}) | ${row.optimizer}, ${row.lr} | ${row.storage} | ${row.runs.map((r) => finalLoss(r).toFixed(4)).join(', ')} | ${m.toFixed(4)} | ${ratio.toFixed(4)} |`);
  }
  return lines.join('\n');
}

async function main(argv: string[]): Promise<void> {
  const render = flag(argv, '--render');
  if (render) {
    process.stdout.write(renderTable((JSON.parse(fs.readFileSync(render, 'utf8')) as Output).rows) + '\n');
    return;
  }
  const tasks = flag(argv, '--tasks')?.split(',') ?? DEFAULT_TASKS;
  const optimizers = flag(argv, '--optimizers')?.split(',') ?? DEFAULT_OPTIMIZERS;
  for (const o of optimizers) if (!BENCH_OPTIMIZERS.some((b) => b.label === o)) throw new Error(`--optimizers: unknown optimizer ${o}`);
  const seeds = Array.from({ length: Number(flag(argv, '--seeds') ?? 3) }, (_, i) => i + 1);
  const out = flag(argv, '--out') ?? path.join(RESULTS, 'state-storage.json');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-state-storage-'));
  const started = Date.now();
  const loadBefore = os.loadavg();
  const rows: Row[] = [];
  const log = (text: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0)} s] ${text}\n`);
  const save = () => {
    const output: Output = {
      command: `npm run bench:state-storage -- ${argv.join(' ')}`.trim(),
      date: new Date().toISOString(),
      seconds: (Date.now() - started) / 1000,
      machine: `${os.cpus().length} CPUs, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`,
      loadBefore,
      loadAfter: os.loadavg(),
      rows,
    };
    fs.writeFileSync(out, JSON.stringify(output, null, 1) + '\n');
  };
  try {
    for (const name of tasks) {
      const spec = suiteTask(name);
      const task = spec.make(work, {});
      for (const label of optimizers) {
        const opt = BENCH_OPTIMIZERS.find((b) => b.label === label)!;
        const lr = protocolLr(name, label);
        for (const storage of STORAGE_OPTIONS) {
          const runs: RunResult[] = [];
          for (const seed of seeds) {
            runs.push(await runOne(task, `${label}-${storage.label.replace('+', '-')}`, { ...opt.config, ...storage.config }, lr, seed, path.join(work, 'runs')));
            log(`${name} ${label} ${storage.label} lr=${lr} seed ${seed}: ${finalLoss(runs.at(-1)!).toFixed(4)}`);
          }
          rows.push({ task: name, split: spec.split, optimizer: label, lr, storage: storage.label, runs });
          fs.rmSync(path.join(work, 'runs'), { recursive: true, force: true });
          save();
        }
      }
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  process.stdout.write(renderTable(rows) + '\n');
  process.stdout.write(`results: ${out} (${((Date.now() - started) / 1000).toFixed(0)} s, load ${loadBefore.map((x) => x.toFixed(1)).join(' ')} → ${os.loadavg().map((x) => x.toFixed(1)).join(' ')})\n`);
}

main(process.argv.slice(2)).catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.message : e}\n`);
  process.exit(1);
});
