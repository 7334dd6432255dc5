/**
 * Data-parallel traffic (docs/data-parallel.md): bytes per step on the wire at K = 2, 4, 8 workers
 * and two batch sizes, on the demo task (MeZO, 200 steps), through the real CLI with its own private
 * redis-server. Bytes are counted by the sockets (RESP framing, keys and stream ids included), so they
 * do not depend on the machine's load; steps/s does (the K workers share this machine's cores).
 *
 *   npm run build && npx tsx bench/data-parallel-traffic.ts [--steps 200]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunSummary } from '../runtime/protocol';

const CLI = path.resolve(__dirname, '../dist/cli.js');
const steps = Number(process.argv[process.argv.indexOf('--steps') + 1] || 200) || 200;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helene-dp-bench-'));
const ws = path.join(dir, 'ws');
spawnSync(process.execPath, [CLI, 'scaffold', ws], { encoding: 'utf8' });

function run(batch: number, workers: number | null): RunSummary {
  const runs = path.join(dir, `runs-${batch}-${workers ?? 1}`);
  const dp = workers ? ['--data-parallel', String(workers)] : [];
  const r = spawnSync(process.execPath, [CLI, 'train', '--config', path.join(ws, 'mezo.helene.json'), '--steps', String(steps), '--set', `data.batchSize=${batch}`, '--set', 'evalEvery=0', '--runs-dir', runs, '--quiet', ...dp], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`K=${workers} B=${batch} failed: ${r.stderr}`);
  const [id] = fs.readdirSync(runs);
  return JSON.parse(fs.readFileSync(path.join(runs, id!, 'summary.json'), 'utf8')) as RunSummary;
}

const rows: string[] = [];
rows.push('| batch B | workers K | all workers, bytes/step | per worker: sent / received bytes/step (mean) | loss values alone, bytes/step | steps/s (load-dependent) |');
rows.push('|---|---|---|---|---|---|');
for (const batch of [32, 128]) {
  const single = run(batch, null);
  rows.push(`| ${batch} | 1 process | 0 | - | - | ${single.stepsPerSecond.toFixed(0)} |`);
  for (const K of [2, 4, 8]) {
    const s = run(batch, K);
    const t = s.dataParallel!;
    const sent = t.perRank.reduce((a, r) => a + r.sentPerStep, 0) / t.perRank.length;
    const received = t.perRank.reduce((a, r) => a + r.receivedPerStep, 0) / t.perRank.length;
    rows.push(`| ${batch} | ${K} | ${Math.round(t.totalPerStep)} | ${Math.round(sent)} / ${Math.round(received)} | ${t.lossBytesPerStep} | ${s.stepsPerSecond.toFixed(0)} |`);
  }
}
const [load1] = os.loadavg();
process.stdout.write(`${rows.join('\n')}\n\n${steps} steps each, MeZO on the demo MLP (2 forward passes per step), ${os.cpus().length} CPU cores, load average ${load1!.toFixed(1)} at the end\n`);
fs.rmSync(dir, { recursive: true, force: true });
