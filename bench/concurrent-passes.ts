/**
 * engine.concurrentPasses measured through the real Trainer (issue 17): for each workload, runs with
 * the ±eps passes one after the other ("off") and at the same time ("on") alternate round by round,
 * so a shared machine's load drift hits both; the table gives the median step (p50 of each run's
 * profile, median over rounds) and on ÷ off. The losses are the same bits either way (tests), so only
 * the time differs. This is what the automatic rule (runtime/engine/concurrent-passes-choice.ts)
 * was set from.
 *
 *   npm run bench:concurrent-passes [-- --rounds 3 --steps 200 --workloads demo-mlp,tiny-encoder,text-encoder-1M]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig, parseOverride } from '../runtime/cli/config-file';
import { writeDemoWorkspace } from '../runtime/demo/demo-task';
import { Trainer } from '../runtime/run/trainer';
import { writeTextEncoderWorkspace } from './text-encoder';
import { load1, median } from './stats';

interface Workload {
  id: string;
  /** Writes the workspace into dir and returns its config file. */
  write(dir: string): string;
  optimizer: string;
}

const REPO = path.resolve(__dirname, '..');
const WORKLOADS: Workload[] = [
  { id: 'demo-mlp', optimizer: 'mezo', write: (dir) => writeDemoWorkspace(dir, { steps: 200, batchSize: 32, mezoLr: 0.002, heleneLr: 0.003 }).configs.mezo },
  { id: 'tiny-encoder', optimizer: 'mezo', write: () => path.join(REPO, 'test/fixtures/lm/tiny-encoder/finetune-head.json') },
  { id: 'text-encoder-1M', optimizer: 'mezo', write: (dir) => writeTextEncoderWorkspace(dir) },
  { id: 'text-encoder-1M-helene', optimizer: 'helene', write: (dir) => writeTextEncoderWorkspace(dir) },
];

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

async function stepMs(configFile: string, runsDir: string, runId: string, optimizer: string, steps: number, mode: 'on' | 'off') {
  const overrides = [
    `steps=${steps}`, `optimizer.name="${optimizer}"`, 'optimizer.lr=1e-7', 'data.eval=null', 'evalEvery=0', 'statsEvery=0', 'checkpoint.every=0',
    'engine.provider="cpu"', 'engine.threads=2', `engine.concurrentPasses="${mode}"`, `output.runsDir=${JSON.stringify(runsDir)}`, `output.runId="${runId}"`,
  ];
  const { config } = loadConfig(configFile, overrides.map(parseOverride));
  const trainer = await Trainer.create(config, {}, { profile: true });
  try {
    await trainer.run();
  } finally {
    await trainer.close();
  }
  const used = trainer.manifest.engine.concurrentPasses?.used ?? false;
  if (used !== (mode === 'on')) throw new Error(`${runId}: concurrent passes ${used ? 'ran' : 'did not run'} with "${mode}" (${trainer.manifest.engine.concurrentPasses?.reason})`);
  return trainer.profile!.step.p50Ms;
}

async function main(): Promise<void> {
  const rounds = Number(arg('--rounds', '3'));
  const steps = Number(arg('--steps', '200'));
  const ids = arg('--workloads', WORKLOADS.map((w) => w.id).join(',')).split(',');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-concurrent-'));
  const rows: { id: string; off: number; on: number; ratio: number; load: number }[] = [];
  console.log(`concurrent passes A/B: ${os.cpus()[0]?.model} × ${os.cpus().length}, ${rounds} rounds × ${steps} steps, load ${load1()}`);
  try {
    for (const id of ids) {
      const w = WORKLOADS.find((x) => x.id === id);
      if (!w) throw new Error(`unknown workload "${id}" (known: ${WORKLOADS.map((x) => x.id).join(', ')})`);
      const config = w.write(fs.mkdtempSync(path.join(dir, `${id}-`)));
      const off: number[] = [];
      const on: number[] = [];
      for (let r = 0; r < rounds; r++) {
        off.push(await stepMs(config, path.join(dir, 'runs'), `${id}-off-${r}`, w.optimizer, steps, 'off'));
        on.push(await stepMs(config, path.join(dir, 'runs'), `${id}-on-${r}`, w.optimizer, steps, 'on'));
      }
      const row = { id, off: median(off), on: median(on), ratio: median(on) / median(off), load: load1() };
      rows.push(row);
      console.log(`  ${id.padEnd(24)} off ${row.off.toFixed(3)} ms  on ${row.on.toFixed(3)} ms  on/off ${row.ratio.toFixed(2)}  (load ${row.load})`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const out = arg('--out', path.join(REPO, 'bench/results/concurrent-passes.json'));
  fs.writeFileSync(out, JSON.stringify({ machine: `${os.cpus()[0]?.model} × ${os.cpus().length}`, rounds, steps, rows }, null, 2) + '\n');
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
